using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using MLNet.DeepText.Benchmarks;
using MLNet.DeepText.Models;
using TorchSharp;

// Benchmarks for MLNet.DeepText.
//   run   --data <dir with train.tsv, test.tsv> [--models compact,staircase,ladder,longdoc,longdoc-headtail,longdoc-minilm [--fine-tuned-layers N],transformer,pretrained,pretrained-frozen,sdca,minilm-sdca,minilm-ngrams-sdca] [--shorten stopwords,punctuation,rare:N,recurring] [--train-size N] [--max-epochs N] [--lr X] [--batch N] [--max-tokens N] [--patience N] [--set Option=Value,...] [--word-vectors minilm|FILE] [--chunks N] [--seed N]
//         Trains each model in its own child process (so peak memory is per model) and prints markdown rows.
//         --train-size N trains on a seeded random N rows of train.tsv (label keys still come from all of it).
//   tasks  Prints the synthetic tasks' shortcut accuracies and lengths (VarTrack at 10–20, 30–50 and 100–150 statements).
//   compare --data <dir> [--models sdca,longdoc-minilm,...] [--folds K] [--train-size N] [the run options]
//         CompareModels on train.tsv (holdout or K folds) with the weighted ensemble; prints the leaderboard, then scores the
//         refitted best model (single or ensemble) on test.tsv.
//   latency --data <dir> [--model compact] [--rows N] [--breakdown true]
//         Trains the model, then times PredictionEngine.Predict on N test rows one by one: median and p99.
//         --breakdown true: where the time goes (tokenizing, forward pass by length, weight matrices, bfloat16 vs float32).
//   vartrack [--train 20000] [--test 2000] [--statements 30-50] [--if-probability 0.25] [--layers 2] [--steps 2] [--chunk 16] [--width 128] [--models staircase,transformer,transformer-compute,ladder,gru] [--defaults true] [--max-epochs N] [--budget-minutes 20] [--seed N]
//         The paper's tracking claim at equal compute: writes VarTrack train/test TSVs (different seeds), then trains the staircase
//         (L layers, N steps, chunk C), a TransformerEncoder with the same parameters (L layers), one with the same compute
//         (L·N layers), the Ladder (L layers run N times) and the GRU yardstick (--budget-minutes of training), each in its own
//         process, and prints markdown rows. --defaults true: the Staircase and TransformerEncoder with their public defaults.
//   vartrack-dense [--train 20000] [--test 2000] [--statements 30-50] [--layers 2] [--steps 2] [--chunk 16] [--width 128] [--models staircase,transformer,transformer-compute,ladder] [--budget-minutes 20] [--lr 1e-3]
//         The paper's regime (DenseVarTrack): the values of x, y and z after every statement as labels; end and statement accuracy.
//   staircase-probe [--chunk 16] [--length 160]
//         At initialisation: how much of each token's state is its own embedding, and the class token's gradient per chunk.
//   throughput [--models transformer,staircase,transformer-compute,compact,longdoc] [--layers 2] [--steps 2] [--chunk 32] [--width 128] [--lengths 256,1024] [--tokens 4096] [--dropout 0.1] [--breakdown true]
//         Tokens per second of a training step (forward, backward, AdamW) and of inference (forward) on random token batches
//         of each length, and model-FLOP utilisation against the float32 matmul peak measured in the same run.
//         MLNET_DEEPTEXT_MALLOC_TUNING=0 in the environment measures the default glibc allocator instead of the tuned one.
//   scaling [--lengths 1024,4096,16384,65536] [--models longdoc,transformer] [--timeout-seconds 600]
//         Time and peak memory to score one document of each length (random tokens), each in its own process; the plain
//         Transformer reads the full length (libtorch's fused attention keeps its memory near-linear; time is quadratic).
//   score --model <model.zip> --data <file.tsv> --out <scores.tsv>
//         Loads a saved pipeline in this fresh process and writes each row's Score vector (round-trip float text).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argsMap = ParseArgs(args.Skip(1).ToArray());
switch (args.FirstOrDefault())
{
    case "run": return Run(argsMap);
    case "run-one": return RunOne(argsMap);
    case "compare": return Compare(argsMap);
    case "score": return Score(argsMap);
    case "latency": return Latency(argsMap);
    case "tasks": return Tasks();
    case "vartrack": return VarTrackBenchmark(argsMap);
    case "vartrack-dense": return DenseVarTrackBenchmark(argsMap);
    case "staircase-probe": return StaircaseProbe(argsMap);
    case "throughput": return Throughput(argsMap);
    case "scaling": return Scaling(argsMap);
    case "scaling-one": return ScalingOne(argsMap);
    default:
        Console.Error.WriteLine("usage: run --data DIR [--models compact,staircase,transformer,sdca] [--train-size N] [--max-epochs N] [--seed N] | latency --data DIR [--model compact] [--rows N] | score --model ZIP --data TSV --out FILE");
        return 2;
}

static int Run(Dictionary<string, string> a)
{
    var models = a.GetValueOrDefault("models", "transformer,sdca").Split(',');
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, " +
        $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, TorchSharp-cpu 0.107.0, Microsoft.ML 5.0.1");
    Console.WriteLine();
    PrintTableHeader();
    return models.Count(model => RunChild(a.Where(kv => kv.Key != "models").Append(new("model", model))) != 0) == 0 ? 0 : 1;
}

static void PrintTableHeader()
{
    Console.WriteLine("| dataset | train rows | model | accuracy | macro-F1 | log-loss | train s | epochs | training tokens/s | test predictions/s | peak working set MiB | parameters |");
    Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

/// <summary>The transformers of a (possibly nested) chain, in order.</summary>
static IEnumerable<ITransformer> Parts(ITransformer t) => t is IEnumerable<ITransformer> chain ? chain.SelectMany(Parts) : [t];

/// <summary>Runs <c>run-one</c> with these arguments in a child process (so peak memory is per model) and copies its row.</summary>
static int RunChild(IEnumerable<KeyValuePair<string, string>> arguments)
{
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
    psi.ArgumentList.Add(typeof(Row).Assembly.Location);
    psi.ArgumentList.Add("run-one");
    foreach (var (k, v) in arguments) { psi.ArgumentList.Add("--" + k); psi.ArgumentList.Add(v); }
    using var child = Process.Start(psi)!;
    var output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    Console.Write(output);
    return child.ExitCode;
}

static int RunOne(Dictionary<string, string> a)
{
    var dir = a["data"];
    var model = a["model"];
    if (model == "gru") return RunGru(a);
    var ml = new MLContext(int.Parse(a.GetValueOrDefault("seed", "1")));
    var (train, test, toKey, trainRows) = LoadSplit(ml, a);
    var progress = new StderrProgress();
    var clock = Stopwatch.StartNew();
    var fitted = toKey.Append(Trainer(ml, model, a, progress).Fit(toKey.Transform(train)));
    double trainSeconds = clock.Elapsed.TotalSeconds;
    var deepText = Parts(fitted).OfType<DeepTextTransformer>().FirstOrDefault();   // also inside a nested chain (--shorten)
    var summary = deepText?.TrainingSummary;

    var cached = ml.Data.Cache(test);
    long testRows = cached.GetRowCount() ?? ml.Data.CreateEnumerable<Row>(cached, false).LongCount();
    clock.Restart();
    var scored = ml.Data.Cache(fitted.Transform(cached));
    using (var cursor = scored.GetRowCursor(scored.Schema)) while (cursor.MoveNext()) { }
    double predictionsPerSecond = testRows / clock.Elapsed.TotalSeconds;

    var metrics = ml.MulticlassClassification.Evaluate(scored);
    long parameters = deepText?.ParameterCount ?? 0;
    if (parameters == 0)
    {
        int features = ((VectorDataViewType)scored.Schema["Features"].Type).Size;
        parameters = (long)(features + 1) * metrics.PerClassLogLoss.Count;
    }
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {trainRows:N0} | {a.GetValueOrDefault("name", ModelName(model) + (a.TryGetValue("word-vectors", out var wv) ? $" + {(wv == "minilm" ? "MiniLM" : Path.GetFileNameWithoutExtension(wv))} vectors" : "") + (a.TryGetValue("shorten", out var rules) ? $" + ShortenText({rules})" : "") + (a.TryGetValue("chunks", out var chunks) ? $" ({chunks} chunks)" : ""))} | " +
        $"{metrics.MicroAccuracy:F4} | {metrics.MacroF1():F4} | {metrics.LogLoss:F4} | {trainSeconds:F1} | " +
        $"{(summary is null ? "" : summary.EpochsRun.ToString())} | {(progress.Last is { } last ? last.TokensPerSecond.ToString("F0") : "")} | {predictionsPerSecond:F0} | " +
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} | {parameters:N0} |");
    if (a.GetValueOrDefault("vartrack") == "true")
        VarTrackErrors(ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel").Fit(scored).Transform(scored)
            .GetColumn<string>("PredictedValue").ToList(), Path.Combine(dir, "test.tsv"));
    (fitted as IDisposable)?.Dispose();
    return 0;
}

/// <summary>
/// Where a VarTrack model's errors are (to standard error): its accuracy on the test programs whose answer the rule
/// "skip every conditional" gets right, and on those where only evaluating a conditional gives the answer.
/// </summary>
static void VarTrackErrors(IReadOnlyList<string> predicted, string testFile)
{
    var rows = TsvData.Read(testFile);
    var groups = rows.Select((r, i) => (SkipRuleRight: MLNet.DeepText.Synthetic.VarTrack.Run(r.Text, MLNet.DeepText.Synthetic.VarTrack.ConditionalRule.SkipAll) == r.Label,
        Right: predicted[i] == r.Label)).GroupBy(x => x.SkipRuleRight).ToDictionary(g => g.Key, g => (Count: g.Count(), Accuracy: g.Average(x => x.Right ? 1.0 : 0.0)));
    string Part(bool key) => groups.TryGetValue(key, out var g) ? $"{g.Accuracy:F4} on {g.Count:N0} programs" : "no programs";
    Console.Error.WriteLine($"VarTrack errors: accuracy {Part(true)} the skip-every-conditional rule answers right, {Part(false)} it answers wrong");
}

/// <summary>The GRU yardstick (<see cref="GruBaseline"/>): --width 128, 2 layers, --lr 2e-3, --batch 32, --max-epochs 100, --budget-minutes 20, --patience 5.</summary>
static int RunGru(Dictionary<string, string> a)
{
    var dir = a["data"];
    var train = TsvData.Read(Path.Combine(dir, "train.tsv"));
    var r = GruBaseline.Run(train, TsvData.Read(Path.Combine(dir, "test.tsv")), width: int.Parse(a.GetValueOrDefault("gru-width", "128")), layers: 2,
        maxEpochs: int.Parse(a.GetValueOrDefault("max-epochs", "100")), budgetMinutes: double.Parse(a.GetValueOrDefault("budget-minutes", "20")),
        learningRate: double.Parse(a.GetValueOrDefault("lr", "2e-3")), batchSize: int.Parse(a.GetValueOrDefault("batch", "32")), seed: int.Parse(a.GetValueOrDefault("seed", "1")),
        patience: int.Parse(a.GetValueOrDefault("patience", "5")));
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {train.Count:N0} | {a.GetValueOrDefault("name", "GRU, 2 layers")} | {r.Accuracy:F4} | {r.MacroF1:F4} | " +
        $"{r.LogLoss:F4} | {r.TrainSeconds:F1} | {r.Epochs} | {r.TokensPerSecond:F0} | {r.PredictionsPerSecond:F0} | {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} | {r.Parameters:N0} |");
    if (a.GetValueOrDefault("vartrack") == "true") VarTrackErrors(r.Predicted, Path.Combine(dir, "test.tsv"));
    return 0;
}

static int Compare(Dictionary<string, string> a)
{
    var ml = new MLContext(int.Parse(a.GetValueOrDefault("seed", "1")));
    var (train, test, toKey, trainRows) = LoadSplit(ml, a);
    var candidates = a.GetValueOrDefault("models", "sdca,transformer").Split(',')
        .Select(model => ModelCandidate.Custom(ModelName(model), c => Trainer(c.MLContext, model, a))).ToList();
    var clock = Stopwatch.StartNew();
    var result = ml.MulticlassClassification.CompareModels(train, "Text", "Label", new ModelComparisonOptions
    {
        Candidates = candidates, NumberOfFolds = int.Parse(a.GetValueOrDefault("folds", "0")),
        Progress = new Progress<ComparisonProgress>(p => Console.Error.WriteLine(p)),
    });
    Console.WriteLine($"CompareModels on {Path.GetFileName(Path.TrimEndingDirectorySeparator(a["data"]))} train.tsv ({trainRows:N0} rows, " +
        $"{(result.Folds >= 2 ? $"{result.Folds} folds" : "80/20 holdout")}), {Environment.ProcessorCount} cores: {result.Elapsed.TotalMinutes:F1} min with the refit");
    Console.WriteLine();
    Console.WriteLine(result.ToMarkdown());
    // The refitted model ends in the label's values; ML.NET's Evaluate wants keys: the Score slots are named by class, so map through them.
    var scored = result.BestModel!.Transform(test);
    VBuffer<ReadOnlyMemory<char>> names = default;
    scored.Schema["Score"].GetSlotNames(ref names);
    var slot = names.DenseValues().Select((n, i) => (n.ToString(), i)).ToDictionary(x => x.Item1, x => x.i);
    int classes = slot.Count;
    var rows = scored.GetColumn<string>("Label").Zip(scored.GetColumn<float[]>("Score"))
        .Select(x => new KeyedScore { Label = (uint)slot[x.First], Score = x.Second, PredictedLabel = (uint)Array.IndexOf(x.Second, x.Second.Max()) });   // LoadFromEnumerable's keys are 0-based
    var schema = SchemaDefinition.Create(typeof(KeyedScore));
    schema["Label"].ColumnType = new KeyDataViewType(typeof(uint), classes);
    schema["PredictedLabel"].ColumnType = new KeyDataViewType(typeof(uint), classes);
    schema["Score"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
    var metrics = ml.MulticlassClassification.Evaluate(ml.Data.LoadFromEnumerable(rows, schema));
    Console.WriteLine($"Best model ({result.Best!.Candidate}) refitted on all of train.tsv, on test.tsv: accuracy {metrics.MicroAccuracy:F4}, macro-F1 {metrics.MacroF1():F4}, log-loss {metrics.LogLoss:F4}; total {clock.Elapsed.TotalMinutes:F1} min.");
    (result.BestModel as IDisposable)?.Dispose();
    return 0;
}

static int Tasks()
{
    Console.WriteLine("| task | examples | mean tokens | min–max tokens | skip-every-if accuracy | apply-every-if accuracy |");
    Console.WriteLine("|---|---:|---:|---|---:|---:|");
    foreach (var (name, options) in new[] { ("VarTrack, 10–20 statements", new MLNet.DeepText.Synthetic.VarTrackOptions { MinStatements = 10, MaxStatements = 20 }),
        ("VarTrack, 30–50 statements", new MLNet.DeepText.Synthetic.VarTrackOptions()),
        ("VarTrack, 100–150 statements", new MLNet.DeepText.Synthetic.VarTrackOptions { MinStatements = 100, MaxStatements = 150 }) })
    {
        var examples = MLNet.DeepText.Synthetic.VarTrack.Generate(5000, seed: 1, options);
        var lengths = examples.Select(e => e.Text.Split(' ').Length).ToArray();
        var (skip, apply) = MLNet.DeepText.Synthetic.VarTrack.ShortcutAccuracy(examples);
        Console.WriteLine($"| {name} | {examples.Count:N0} | {lengths.Average():F0} | {lengths.Min()}–{lengths.Max()} | {skip:F3} | {apply:F3} |");
    }
    return 0;
}

static int VarTrackBenchmark(Dictionary<string, string> a)
{
    int Int(string key, int fallback) => int.Parse(a.GetValueOrDefault(key, fallback.ToString()));
    int layers = Int("layers", 2), steps = Int("steps", 2), chunk = Int("chunk", 16), width = Int("width", 128);
    var dir = Path.Combine(Path.GetTempPath(), $"vartrack-{Environment.ProcessId}");
    Directory.CreateDirectory(dir);
    var statements = a.GetValueOrDefault("statements", "30-50").Split('-').Select(int.Parse).ToArray();
    var task = new MLNet.DeepText.Synthetic.VarTrackOptions
    {
        MinStatements = statements[0], MaxStatements = statements[^1],
        IfProbability = double.Parse(a.GetValueOrDefault("if-probability", "0.25"), CultureInfo.InvariantCulture),
    };
    void Write(string file, int count, int seed) => File.WriteAllLines(Path.Combine(dir, file),
        MLNet.DeepText.Synthetic.VarTrack.Generate(count, seed, task).Select(e => $"{e.Label}\t{e.Text}").Prepend("Label\tText"));
    Write("train.tsv", Int("train", 20_000), seed: 11);
    Write("test.tsv", Int("test", 2_000), seed: 12);

    // Same sizes everywhere; only depth and recurrence differ. MaxTokens covers the longest program (8 tokens per statement at most).
    var shared = $"Width={width},MlpRatio=4,NumberOfHeads=4,MaxTokens={8 * task.MaxStatements + 8}";
    var candidates = new (string Model, string Name, string Set)[]
    {
        ("staircase", $"Staircase L={layers} N={steps} C={chunk}", $"{shared},NumberOfLayers={layers},Steps={steps},ChunkSize={chunk}"),
        ("transformer", $"TransformerEncoder L={layers} (same parameters)", $"{shared},NumberOfLayers={layers},Pooling=LastToken"),
        ("transformer-compute", $"TransformerEncoder L={layers * steps} (same compute)", $"{shared},NumberOfLayers={layers * steps},Pooling=LastToken"),
        ("ladder", $"Ladder L={layers} N={steps}", $"{shared},NumberOfLayers={layers},Steps={steps}"),
        ("gru", $"GRU, 2 layers, width {width}", ""),
    };
    // --defaults true: each trainer with its public defaults (what a user gets), only MaxTokens raised to cover the programs.
    if (a.GetValueOrDefault("defaults") == "true")
        candidates = [("staircase", "Staircase (defaults)", $"MaxTokens={8 * task.MaxStatements + 8}"),
            ("transformer", "TransformerEncoder (defaults)", $"MaxTokens={8 * task.MaxStatements + 8}"), ("gru", $"GRU, 2 layers, width {width}", "")];
    var wanted = a.GetValueOrDefault("models", "staircase,transformer,transformer-compute,ladder").Split(',');
    var passOn = a.Where(kv => kv.Key is "max-epochs" or "lr" or "batch" or "patience" or "seed" or "budget-minutes").ToList();
    PrintTableHeader();
    int failures = 0;
    foreach (var (model, name, set) in candidates.Where(c => wanted.Contains(c.Model)))
    {
        var extra = a.TryGetValue("set", out var more) ? "," + more : "";
        failures += RunChild(passOn.Concat(new Dictionary<string, string>
        {
            ["data"] = dir, ["model"] = model == "transformer-compute" ? "transformer" : model, ["name"] = name, ["set"] = set + extra, ["gru-width"] = width.ToString(),
            ["vartrack"] = "true",
        })) != 0 ? 1 : 0;
    }
    Directory.Delete(dir, recursive: true);
    return failures == 0 ? 0 : 1;
}

static int DenseVarTrackBenchmark(Dictionary<string, string> a)
{
    int Int(string key, int fallback) => int.Parse(a.GetValueOrDefault(key, fallback.ToString()));
    int layers = Int("layers", 2), steps = Int("steps", 2), chunk = Int("chunk", 16), width = Int("width", 128);
    var statements = a.GetValueOrDefault("statements", "30-50").Split('-').Select(int.Parse).ToArray();
    var task = new MLNet.DeepText.Synthetic.VarTrackOptions { MinStatements = statements[0], MaxStatements = statements[^1] };
    var train = MLNet.DeepText.Synthetic.VarTrack.Generate(Int("train", 20_000), 11, task);
    var test = MLNet.DeepText.Synthetic.VarTrack.Generate(Int("test", 2_000), 12, task);
    int maxTokens = 8 * task.MaxStatements + 8;
    // The paper's settings for the staircase: its initialisation, content-dependent distances, dropout 0.2 on attention
    // weights and the feed-forward hidden layer only. Every model is causal (a statement's state sees nothing after it).
    var candidates = new (string Model, string Name, Func<int, EncoderSpec> Spec)[]
    {
        ("staircase", $"Staircase L={layers} N={steps} C={chunk}", v => new StaircaseSpec(v, maxTokens, ChunkSize: chunk, Steps: steps, Width: width,
            NumberOfLayers: layers, MlpRatio: 4, Dropout: 0, AttentionDropout: 0.2, FeedForwardDropout: 0.2, Positions: StaircasePositions.LearnedTable,
            ClassToken: false, PaperInitialization: true)),
        ("ladder", $"Ladder L={layers} N={steps}", v => new StaircaseSpec(v, maxTokens, StaircaseVariant.Ladder, Steps: steps, Width: width,
            NumberOfLayers: layers, MlpRatio: 4, Dropout: 0, AttentionDropout: 0.2, FeedForwardDropout: 0.2, Positions: StaircasePositions.LearnedTable,
            ClassToken: false, PaperInitialization: true)),
        ("transformer", $"causal TransformerEncoder L={layers} (same parameters)", v => new TransformerEncoderSpec(v, maxTokens, width, layers, MlpRatio: 4, Causal: true)),
        ("transformer-compute", $"causal TransformerEncoder L={layers * steps} (same compute)", v => new TransformerEncoderSpec(v, maxTokens, width, layers * steps, MlpRatio: 4, Causal: true)),
    };
    Console.WriteLine($"VarTrack {statements[0]}–{statements[^1]} statements, dense labels (x, y, z after every statement), {train.Count:N0} train / {test.Count:N0} test programs, " +
        $"{a.GetValueOrDefault("budget-minutes", "20")} min budget, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| model | parameters | end accuracy | statement accuracy | train s | epochs | training tokens/s |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var (model, name, spec) in candidates.Where(c => a.GetValueOrDefault("models", "staircase,transformer,transformer-compute,ladder").Split(',').Contains(c.Model)))
    {
        var r = DenseVarTrack.Run(spec, train, test, Int("max-epochs", 1000), double.Parse(a.GetValueOrDefault("budget-minutes", "20"), CultureInfo.InvariantCulture),
            double.Parse(a.GetValueOrDefault("lr", "1e-3"), CultureInfo.InvariantCulture), Int("batch", 32), Int("seed", 1), Console.Error.WriteLine);
        Console.WriteLine($"| {name} | {r.Parameters:N0} | {r.Accuracy:F4} | {r.StatementAccuracy:F4} | {r.TrainSeconds:F0} | {r.Epochs} | {r.TokensPerSecond:F0} |");
    }
    return 0;
}

/// <summary>
/// Two checks at initialisation, no training: how much of each token's final state is still its own embedding (cosine
/// with its own embedding minus cosine with another token's), and how strongly the class token's output depends on
/// each chunk (gradient norm with respect to that chunk's embeddings, relative to the last chunk), for the staircase's
/// initialisations and the state tokens.
/// </summary>
static int StaircaseProbe(Dictionary<string, string> a)
{
    int chunk = int.Parse(a.GetValueOrDefault("chunk", "16")), length = int.Parse(a.GetValueOrDefault("length", "160")), batch = 8;
    var variants = new (string Name, Func<int, StaircaseSpec> Spec)[]
    {
        ("embeddings N(0, 0.02), per-head bias 0 (before)", v => new StaircaseSpec(v, length, ChunkSize: chunk, MlpRatio: 4)),
        ("paper initialisation, learned distance table", v => new StaircaseSpec(v, length, ChunkSize: chunk, MlpRatio: 4, Positions: StaircasePositions.LearnedTable, PaperInitialization: true)),
        ("paper initialisation + 4 state tokens", v => new StaircaseSpec(v, length, ChunkSize: chunk, MlpRatio: 4, Positions: StaircasePositions.LearnedTable, PaperInitialization: true, StateTokens: 4)),
    };
    int chunks = (length + 1 + chunk - 1) / chunk;
    Console.WriteLine($"Staircase at initialisation: width 128, 2 layers, N = 2, C = {chunk}, {length} tokens + class token, batch {batch}, each position its own token id, 3 seeds.");
    Console.WriteLine();
    Console.WriteLine($"| initialisation | own-embedding cosine − other's | " + string.Join(" | ", Enumerable.Range(0, chunks).Reverse().Select(k => $"chunk −{k}")) + " |");
    Console.WriteLine("|---|---:|" + string.Concat(Enumerable.Repeat("---:|", chunks)));
    foreach (var (name, make) in variants)
    {
        var identity = new List<double>();
        var perChunk = new double[chunks];
        foreach (int seed in new[] { 1, 2, 3 })
        {
            torch.manual_seed(seed);
            using var encoder = make(ReservedTokenIds.Count + length).Build();
            encoder.eval();
            using var scope = torch.NewDisposeScope();
            var ids = torch.arange(ReservedTokenIds.Count, ReservedTokenIds.Count + length, dtype: torch.int64).unsqueeze(0).expand(batch, -1).contiguous();
            var (states, mask) = encoder.call(ids, torch.ones(batch, length, dtype: torch.@bool));
            // Token states: every position but the class token (moved to 0), right-aligned: token i is at T' − length + i.
            var tokenStates = states.narrow(1, states.shape[1] - length, length);
            var embeddings = encoder.WordVectors!.narrow(0, ReservedTokenIds.Count, length);
            var own = torch.nn.functional.cosine_similarity(tokenStates, embeddings.unsqueeze(0), 2).mean().item<float>();
            var other = torch.nn.functional.cosine_similarity(tokenStates, embeddings.roll(7, 0).unsqueeze(0), 2).mean().item<float>();
            identity.Add(own - other);
            var probe = torch.randn(states.shape[2]);
            states.select(1, 0).matmul(probe).sum().backward();
            var gradient = encoder.WordVectors!.grad!.narrow(0, ReservedTokenIds.Count, length).norm(1);   // [length]: one row per position
            var norms = gradient.data<float>().ToArray();
            // Token i is length − i positions before the class token (the last slot), so in chunk ⌊(length − i) / C⌋ from the end.
            for (int k = 0; k < chunks; k++)
            {
                var inChunk = Enumerable.Range(0, length).Where(i => (length - i) / chunk == k).Select(i => (double)norms[i]).ToArray();
                perChunk[k] += inChunk.Length == 0 ? 0 : inChunk.Average() / 3;
            }
        }
        double last = perChunk[0];
        Console.WriteLine($"| {name} | {identity.Average():F3} | " + string.Join(" | ", Enumerable.Range(0, chunks).Reverse().Select(k => (perChunk[k] / last).ToString("G2"))) + " |");
    }
    return 0;
}

static int Throughput(Dictionary<string, string> a)
{
    int Int(string key, int fallback) => int.Parse(a.GetValueOrDefault(key, fallback.ToString()));
    int layers = Int("layers", 2), steps = Int("steps", 2), chunk = Int("chunk", 32), width = Int("width", 128), tokensPerBatch = Int("tokens", 4096);
    double dropout = double.Parse(a.GetValueOrDefault("dropout", "0.1"), CultureInfo.InvariantCulture);
    string allocator = MLNet.DeepText.Training.TorchRuntime.EnsureInitialized() is null ? "default glibc allocator" : "allocator tuned (mallopt)";
    var device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, device {device.type}, {torch.get_num_threads()} torch threads, " +
        $"{tokensPerBatch:N0} tokens per batch, width {width}, MLP ratio 4, 4 heads, dropout {dropout}, {allocator}");
    Console.WriteLine("MFU = model FLOPs per second over the float32 matmul peak measured just before (best of square products): this " +
        "virtual machine's speed drifts by ±10% over minutes, so each figure is against its own peak. Model FLOPs count the blocks' " +
        "matrix products and attention (2 per multiply-add; training = 3 × forward); a training step includes the AdamW update.");
    Console.WriteLine();
    Console.WriteLine("| model | parameters | T | training tokens/s | training MFU | inference tokens/s | inference MFU | peak GFLOP/s |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    const int vocabulary = 1000, classes = 10;
    foreach (var model in a.GetValueOrDefault("models", "transformer,staircase,transformer-compute").Split(','))
    {
        foreach (var length in a.GetValueOrDefault("lengths", "256,1024").Split(',').Select(int.Parse))
        {
            EncoderSpec encoder = model switch
            {
                "staircase" or "ladder" or "cached" => new StaircaseSpec(vocabulary, length,
                    model switch { "ladder" => StaircaseVariant.Ladder, "cached" => StaircaseVariant.CachedStaircase, _ => StaircaseVariant.Staircase },
                    ChunkSize: chunk, Steps: steps, Width: width, NumberOfLayers: layers, MlpRatio: 4, Dropout: dropout),
                "transformer" => new TransformerEncoderSpec(vocabulary, length, width, layers, NumberOfHeads: 4, MlpRatio: 4, Dropout: dropout),
                "transformer-compute" => new TransformerEncoderSpec(vocabulary, length, width, layers * steps, NumberOfHeads: 4, MlpRatio: 4, Dropout: dropout),
                "compact" => new CompactTransformerSpec(vocabulary, length, WordVectorSize: width, Width: width, NumberOfLayers: layers, NumberOfHeads: 4, MlpRatio: 4,
                    WordVectorDropout: dropout, Dropout: dropout, AttentionDropout: 0, StochasticDepth: 0),
                "longdoc" => new LongDocumentSpec(vocabulary, ChunkTokens: 256, MaxChunks: Math.Max(1, length / 256), TrainChunksPerDocument: 1024,
                    WordVectorSize: width, Width: width, NumberOfHeads: 4, MlpRatio: 4, NumberOfLayers: layers, Dropout: dropout, AttentionDropout: 0, StochasticDepth: 0),
                _ => throw new ArgumentException($"Unknown model '{model}'; use transformer, transformer-compute, staircase, cached, ladder, compact or longdoc."),
            };
            var spec = new ClassifierSpec(encoder, classes, encoder.HasClassToken ? PoolingKind.ClassToken : PoolingKind.Mean, HeadDropout: dropout);
            torch.manual_seed(1);
            using var net = spec.Build();
            net.to(device.type);
            int batch = Math.Max(1, tokensPerBatch / length);
            using var ids = torch.randint(1, vocabulary, [batch, length], device: device);
            using var mask = torch.ones([batch, length], torch.@bool, device: device);
            using var labels = torch.randint(0, classes, [batch], device: device);
            using var optimizer = new MLNet.DeepText.Training.AdamW(net.named_parameters().Select(p => (p.parameter, p.parameter.dim() >= 2)), 1e-4, 0.01);
            double forwardFlops = ForwardFlops(net, spec, ids, mask);
            (double TokensPerSecond, double Mfu, double Peak) Measure(bool train)
            {
                double peak = MatmulPeak(device);
                net.train(train);
                int repeats = 0;
                var clock = new Stopwatch();
                var parts = new Stopwatch[] { new(), new(), new() };   // forward, backward, optimizer (CPU work is synchronous)
                for (int i = 0; i < 400 && (i < 4 || clock.Elapsed.TotalSeconds < 6); i++)
                {
                    if (i == 2) clock.Start();   // two warm-up batches
                    using var scope = torch.NewDisposeScope();
                    if (train)
                    {
                        optimizer.ZeroGrad();
                        if (i >= 2) parts[0].Start();
                        var loss = torch.nn.functional.cross_entropy(net.forward(ids, mask), labels);
                        parts[0].Stop();
                        if (i >= 2) parts[1].Start();
                        loss.backward();
                        parts[1].Stop();
                        if (i >= 2) parts[2].Start();
                        optimizer.Step();
                        parts[2].Stop();
                    }
                    else using (torch.no_grad()) net.forward(ids, mask);
                    if (i >= 2) repeats++;
                }
                double seconds = clock.Elapsed.TotalSeconds / repeats;
                if (train && a.ContainsKey("breakdown"))
                    Console.Error.WriteLine($"{model} T={length}: step {seconds * 1e3:F1} ms = forward {parts[0].Elapsed.TotalMilliseconds / repeats:F1} + backward {parts[1].Elapsed.TotalMilliseconds / repeats:F1} + AdamW {parts[2].Elapsed.TotalMilliseconds / repeats:F1} ms");
                return (batch * (double)length / seconds, (train ? 3 : 1) * forwardFlops / seconds / 1e9 / peak, peak);
            }
            var (trainRate, trainMfu, trainPeak) = Measure(true);
            var (inferRate, inferMfu, inferPeak) = Measure(false);
            Console.WriteLine($"| {model} | {net.ParameterCount:N0} | {length:N0} | {trainRate:F0} | {trainMfu:P0} | {inferRate:F0} | {inferMfu:P0} | {trainPeak:F0}, {inferPeak:F0} |");
        }
    }
    return 0;
}

// The best float32 GFLOP/s of square matrix products (2n³ FLOPs each) on this device.
static double MatmulPeak(torch.Device device)
{
    double best = 0;
    foreach (int n in new[] { 512, 1024, 2048 })
    {
        using var x = torch.randn(n, n, device: device);
        using var y = torch.randn(n, n, device: device);
        for (int i = 0; i < 2; i++) torch.mm(x, y).Dispose();   // warm-up
        int repeats = n == 2048 ? 4 : 12;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) torch.mm(x, y).Dispose();
        best = Math.Max(best, repeats * 2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9);
    }
    return best;
}

// Forward FLOPs of one batch, from what the attention layers record while it runs (ModelTrace): each attention query is
// one token passing one block (Q, K, V and output projections: 4·D² multiply-adds; the MLP: 2·D·F), each query–key score
// costs D/heads multiply-adds twice (scores, then the weighted values). Embeddings, norms and the head are left out.
static double ForwardFlops(TextClassifier net, ClassifierSpec spec, torch.Tensor ids, torch.Tensor mask)
{
    var (width, ratio, heads) = spec.Encoder switch
    {
        TransformerEncoderSpec t => (t.Width, t.MlpRatio, t.NumberOfHeads),
        StaircaseSpec s => (s.Width, s.MlpRatio, s.NumberOfHeads),
        CompactTransformerSpec c => (c.Width, c.MlpRatio, c.NumberOfHeads),
        LongDocumentSpec l => (l.Width, l.MlpRatio, l.NumberOfHeads),
        _ => throw new NotSupportedException(spec.Kind),
    };
    double feedForward = FeedForward.Size(width, ratio);
    net.eval();
    using var trace = ModelTrace.Start();
    using (torch.no_grad()) using (torch.NewDisposeScope()) net.forward(ids, mask);
    return 2.0 * trace.AttentionQueries * (4.0 * width * width + 2.0 * width * feedForward)
        + 2.0 * 2.0 * trace.AttentionScoreEntries * (width / (double)heads);
}

static int Scaling(Dictionary<string, string> a)
{
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {RuntimeInformation.OSDescription}; " +
        "one document of random tokens, eval mode, no gradients; each row in a fresh process (peak working set includes the .NET runtime and libtorch, about 200 MiB).");
    Console.WriteLine();
    Console.WriteLine("| model | tokens | score time s | peak working set MiB |");
    Console.WriteLine("|---|---:|---:|---:|");
    int timeout = int.Parse(a.GetValueOrDefault("timeout-seconds", "600"));
    foreach (var model in a.GetValueOrDefault("models", "longdoc,transformer").Split(','))
    {
        foreach (var length in a.GetValueOrDefault("lengths", "1024,4096,16384,65536").Split(',').Select(int.Parse))
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
            foreach (var arg in new[] { typeof(Row).Assembly.Location, "scaling-one", "--model", model, "--length", length.ToString() }) psi.ArgumentList.Add(arg);
            using var child = Process.Start(psi)!;
            var output = child.StandardOutput.ReadToEndAsync();
            if (!child.WaitForExit(timeout * 1000))
            {
                child.Kill(entireProcessTree: true);
                Console.WriteLine($"| {model} | {length:N0} | not finished in {timeout} s | |");
                continue;
            }
            Console.Write(output.Result);
            if (child.ExitCode != 0) Console.WriteLine($"| {model} | {length:N0} | failed (exit code {child.ExitCode}, e.g. out of memory) | |");
        }
    }
    return 0;
}

static int ScalingOne(Dictionary<string, string> a)
{
    int length = int.Parse(a["length"]);
    var model = a["model"];
    var device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
    EncoderSpec encoder = model switch
    {
        "longdoc" => new LongDocumentSpec(30_000, MaxChunks: Math.Max(1, length / 256)),
        "transformer" => new TransformerEncoderSpec(30_000, length),
        _ => throw new ArgumentException($"Unknown model '{model}'; use longdoc or transformer."),
    };
    var spec = new ClassifierSpec(encoder, 4, PoolingKind.Attention);
    torch.manual_seed(1);
    using var net = spec.Build();
    net.to(device.type);
    net.eval();
    using (torch.no_grad())
    using (torch.NewDisposeScope())
        net.forward(torch.randint(1, 30_000, [1, 256], device: device), torch.ones([1, 256], torch.@bool, device: device));   // warm-up
    using var ids = torch.randint(1, 30_000, [1, length], device: device);
    using var mask = torch.ones([1, length], torch.@bool, device: device);
    var clock = Stopwatch.StartNew();
    using (torch.no_grad())
    using (torch.NewDisposeScope())
        net.forward(ids, mask).cpu();
    Console.WriteLine($"| {model} | {length:N0} | {clock.Elapsed.TotalSeconds:F2} | {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} |");
    return 0;
}

static int Latency(Dictionary<string, string> a)
{
    var ml = new MLContext(int.Parse(a.GetValueOrDefault("seed", "1")));
    var model = a.GetValueOrDefault("model", "compact");
    var (train, _, toKey, _) = LoadSplit(ml, a);
    var fitted = toKey.Append(Trainer(ml, model, a).Fit(toKey.Transform(train)));
    var rows = TsvData.Read(Path.Combine(a["data"], "test.tsv")).Take(int.Parse(a.GetValueOrDefault("rows", "2000"))).ToList();
    var engine = ml.Model.CreatePredictionEngine<Row, LatencyPrediction>(fitted);
    foreach (var row in rows.Take(50)) engine.Predict(row);   // warm-up
    var times = new List<double>(rows.Count);
    var clock = new Stopwatch();
    foreach (var row in rows)
    {
        clock.Restart();
        engine.Predict(row);
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double Quantile(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
    double meanTokens = rows.Average(r => r.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(a["data"]))} | {ModelName(model)} | {rows.Count:N0} | {meanTokens:F0} | " +
        $"{Quantile(0.5):F2} | {Quantile(0.99):F2} | {times[^1]:F2} |");
    if (a.GetValueOrDefault("breakdown") == "true") LatencyBreakdown(((TransformerChain<ITransformer>)fitted).LastTransformer as DeepTextTransformer
        ?? throw new InvalidOperationException("--breakdown needs a DeepText model."), rows.Select(r => r.Text).ToList());
    engine.Dispose();   // disposes the model too (ML.NET's PredictionEngine owns its transformer by default)
    return 0;
}

/// <summary>
/// Where a prediction's time goes, each stage timed on the same texts one by one (median ms): tokenizing; the model's
/// forward pass at 2, 16, 32 and 64 tokens (a large cost at 2 tokens is a fixed cost, not compute); the encoder's weight
/// matrices applied to 37 tokens, all of them (read from memory), one of them as often (cache-resident), and all of them
/// in bfloat16; and the scoring path with float32 and with bfloat16 products, with how often their classes agree.
/// </summary>
static void LatencyBreakdown(DeepTextTransformer deep, List<string> texts)
{
    var sequences = texts.Select(t => deep.Encoder.ToModelIds(deep.Encoder.Tokenize(t))).ToList();
    double Median(Action<int> stage)
    {
        for (int i = 0; i < 50; i++) stage(i);   // warm-up
        var ms = new List<double>();
        var clock = new Stopwatch();
        for (int i = 0; i < texts.Count; i++)
        {
            using var _ = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            clock.Restart();
            stage(i);
            ms.Add(clock.Elapsed.TotalMilliseconds);
        }
        ms.Sort();
        return ms[ms.Count / 2];
    }
    double tokenize = Median(i => deep.Encoder.ToModelIds(deep.Encoder.Tokenize(texts[i])));
    deep.Model.eval();
    double ForwardOf(int length) => Median(i =>
    {
        var ids = Enumerable.Range(0, length).Select(j => sequences[i][j % sequences[i].Length]).ToArray();
        var (batch, mask) = MLNet.DeepText.Training.Collate.Pad([ids], [0], deep.Device);
        deep.Model.forward(batch, mask);
    });
    var matrices = deep.Model.named_parameters().Where(p => p.parameter.dim() == 2 && !p.name.Contains("embeddings")).Select(p => p.parameter).ToList();
    var square = matrices.First(m => m.shape[0] == m.shape[1]);
    var halves = matrices.Select(m => m.to(torch.bfloat16).DetachFromDisposeScope()).ToList();
    double all = Median(_ => { foreach (var w in matrices) torch.nn.functional.linear(torch.ones(1, 37, w.shape[1]), w); });
    double one = Median(_ => { foreach (var w in matrices) torch.nn.functional.linear(torch.ones(1, 37, square.shape[1]), square); });
    double allHalf = Median(_ => { foreach (var w in halves) torch.nn.functional.linear(torch.ones(1, 37, w.shape[1], dtype: torch.bfloat16), w); });
    foreach (var h in halves) h.Dispose();
    (float[][] Probabilities, double Ms) Scoring(bool bfloat16)
    {
        deep.Model.UseBFloat16Inference(bfloat16);
        return (MLNet.DeepText.Training.Predictor.PredictProbabilities(deep.Model, sequences, 64, deep.Device),
            Median(i => MLNet.DeepText.Training.Predictor.PredictProbabilities(deep.Model, [sequences[i]], 64, deep.Device)));
    }
    var (full, fullMs) = Scoring(false);
    var (low, lowMs) = Scoring(true);
    int Argmax(float[] p) => Array.IndexOf(p, p.Max());
    Console.WriteLine($"tokenize {tokenize:F3} ms; forward at 2 / 16 / 32 / 64 tokens {ForwardOf(2):F2} / {ForwardOf(16):F2} / {ForwardOf(32):F2} / {ForwardOf(64):F2} ms " +
        $"(mean text {sequences.Average(s => s.Length):F1} tokens, {torch.get_num_threads()} threads)");
    Console.WriteLine($"{matrices.Count} weight matrices ({matrices.Sum(m => m.numel()) * 4 / 1e6:F1} MB) on 37 tokens: {all:F2} ms; one {square.shape[0]}×{square.shape[1]} matrix {matrices.Count} times {one:F2} ms; " +
        $"all in bfloat16 {allHalf:F2} ms");
    Console.WriteLine($"scoring one text: float32 {fullMs:F2} ms, bfloat16 products {lowMs:F2} ms; same class for {full.Zip(low).Count(x => Argmax(x.First) == Argmax(x.Second))} of {full.Length} texts, " +
        $"largest probability difference {full.Zip(low).Max(x => x.First.Zip(x.Second).Max(y => Math.Abs(y.First - y.Second))):F4}");
    deep.Model.UseBFloat16Inference(deep.BFloat16Scoring && MLNet.DeepText.Training.DeviceSelector.HasFastBFloat16(deep.Device));
}

/// <summary>Train (optionally a seeded random subset of <c>--train-size</c> rows), test, and the label-key mapping fitted on all training rows.</summary>
static (IDataView Train, IDataView Test, ITransformer ToKey, int TrainRows) LoadSplit(MLContext ml, Dictionary<string, string> a)
{
    var dir = a["data"];
    var rows = TsvData.Read(Path.Combine(dir, "train.tsv"));
    // Keys from every training row, so that a subset's model still has an output (and Evaluate a key) for every class.
    var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Label").Fit(ml.Data.LoadFromEnumerable(rows));
    if (a.TryGetValue("train-size", out var size) && int.Parse(size) < rows.Count)
    {
        var rng = new Random(int.Parse(a.GetValueOrDefault("seed", "1")));
        rows = [.. rows.OrderBy(_ => rng.Next()).Take(int.Parse(size))];
    }
    return (ml.Data.LoadFromEnumerable(rows), TsvData.Load(ml, Path.Combine(dir, "test.tsv")), toKey, rows.Count);
}

static IEstimator<ITransformer> Trainer(MLContext ml, string model, Dictionary<string, string> a, StderrProgress? progress = null)
{
    progress ??= new StderrProgress();
    var trainer = TrainerOnly(ml, model, a, progress);
    if (!a.TryGetValue("shorten", out var rules)) return trainer;
    // --shorten stopwords,punctuation,rare:N,recurring: ShortenText in front of the model, replacing the Text column.
    var set = rules.Split(',');
    return ml.Transforms.Text.ShortenText("Text", "Text", new ShortenTextOptions
    {
        RemoveStopWords = set.Contains("stopwords"),
        RemovePunctuation = set.Contains("punctuation"),
        MinWordDocuments = set.Where(r => r.StartsWith("rare:")).Select(r => int.Parse(r[5..])).FirstOrDefault(),
        RemoveRecurringWords = set.Contains("recurring"),
    }).Append(trainer);
}

static IEstimator<ITransformer> TrainerOnly(MLContext ml, string model, Dictionary<string, string> a, StderrProgress progress)
{
    return model switch
    {
        "compact" => ml.MulticlassClassification.Trainers.CompactTransformer(WithOptionOverrides(new CompactTransformerOptions
        {
            Preset = Enum.Parse<CompactTransformerPreset>(a.GetValueOrDefault("preset", "Cct2"), ignoreCase: true),
            KernelSize = int.Parse(a.GetValueOrDefault("kernel", "2")),
            Progress = progress,
        }, a)),
        "longdoc" => ml.MulticlassClassification.Trainers.LongDocument(WithOptionOverrides(new LongDocumentOptions { Progress = progress }, a)),
        // --fine-tuned-layers N: the pretrained chunk encoder's top layers that learn (default 0: frozen).
        "longdoc-minilm" => ml.MulticlassClassification.Trainers.LongDocument(WithOptionOverrides(new LongDocumentOptions { Progress = progress }
            .UsePretrainedChunkEncoder(int.Parse(a.GetValueOrDefault("fine-tuned-layers", "0"))), a)),
        "longdoc-headtail" => ml.MulticlassClassification.Trainers.LongDocument(WithOptionOverrides(new LongDocumentOptions { Mode = LongDocumentMode.HeadTail, Progress = progress }, a)),
        "staircase" => ml.MulticlassClassification.Trainers.Staircase(WithOptionOverrides(new StaircaseOptions { Progress = progress }, a)),
        "ladder" => ml.MulticlassClassification.Trainers.Staircase(WithOptionOverrides(new StaircaseOptions { Variant = StaircaseVariant.Ladder, Progress = progress }, a)),
        "transformer" => ml.MulticlassClassification.Trainers.TransformerEncoder(WithOptionOverrides(new TransformerEncoderOptions { Progress = progress }, a)),
        "pretrained" => ml.MulticlassClassification.Trainers.PretrainedTransformer(WithOptionOverrides(new PretrainedTransformerOptions { Progress = progress }, a)),
        "pretrained-frozen" => ml.MulticlassClassification.Trainers.PretrainedTransformer(WithOptionOverrides(
            new PretrainedTransformerOptions { FreezeEncoder = true, Progress = progress }, a)),
        "sdca" => ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        // Cache checkpoints: SDCA reads its data many times, and the embeddings should be computed once.
        // --chunks N: a long text's embedding averages up to N chunks of 254 tokens (default 1: its head).
        "minilm-sdca" => ml.Transforms.Text.SentenceEmbedding("Features", "Text", maxChunks: int.Parse(a.GetValueOrDefault("chunks", "1"))).AppendCacheCheckpoint(ml)
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        "minilm-ngrams-sdca" => ml.Transforms.Text.SentenceEmbedding("Embedding", "Text", maxChunks: int.Parse(a.GetValueOrDefault("chunks", "1")))
            .Append(ml.Transforms.Text.FeaturizeText("NGrams", "Text"))
            .Append(ml.Transforms.Concatenate("Features", "Embedding", "NGrams")).AppendCacheCheckpoint(ml)
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        _ => throw new ArgumentException($"Unknown model '{model}'; use compact, staircase, ladder, longdoc, longdoc-headtail, longdoc-minilm, transformer, pretrained, pretrained-frozen, sdca, minilm-sdca or minilm-ngrams-sdca."),
    };
}

/// <summary>Applies the command line's --max-epochs, --lr, --batch, --max-tokens, --patience and --set Option=Value overrides.</summary>
static T WithOptionOverrides<T>(T options, Dictionary<string, string> a) where T : DeepTextOptions
{
    if (a.TryGetValue("max-epochs", out var epochs)) options.MaxEpochs = int.Parse(epochs);
    if (a.TryGetValue("lr", out var lr)) options.LearningRate = double.Parse(lr);
    if (a.TryGetValue("batch", out var batch)) options.BatchSize = int.Parse(batch);
    if (a.TryGetValue("max-tokens", out var tokens)) options.MaxTokens = int.Parse(tokens);
    if (a.TryGetValue("patience", out var patience)) options.EarlyStoppingPatience = int.Parse(patience);
    // --word-vectors minilm | <GloVe-format file>: pretrained word vectors for a family trained from scratch.
    if (a.TryGetValue("word-vectors", out var vectors))
    {
        if (vectors == "minilm") options.UseMiniLMWordVectors();
        else options.WordVectorFile = vectors;
    }
    // --set Name=Value[,Name=Value...]: any option by name (internal ones too, for experiments) (enums by name, nullable types by their underlying type).
    foreach (var pair in a.GetValueOrDefault("set", "").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        var (name, text) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
        var property = typeof(T).GetProperty(name, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic) ?? throw new ArgumentException($"{typeof(T).Name} has no option '{name}'.");
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, type.IsEnum ? Enum.Parse(type, text, ignoreCase: true)
            : type == typeof(TimeSpan) ? TimeSpan.Parse(text, CultureInfo.InvariantCulture)
            : Convert.ChangeType(text, type, CultureInfo.InvariantCulture));
    }
    return options;
}

static string ModelName(string model) => model switch
{
    "compact" => "CompactTransformer",
    "staircase" => "Staircase",
    "ladder" => "Staircase (Ladder)",
    "longdoc" => "LongDocument",
    "longdoc-headtail" => "LongDocument (head+tail)",
    "longdoc-minilm" => "LongDocument (MiniLM chunks)",
    "transformer" => "TransformerEncoder",
    "pretrained" => "PretrainedTransformer (MiniLM, fine-tuned)",
    "pretrained-frozen" => "PretrainedTransformer (MiniLM, frozen)",
    "sdca" => "FeaturizeText+SdcaMaximumEntropy",
    "minilm-sdca" => "SentenceEmbedding (MiniLM)+SdcaMaximumEntropy",
    "minilm-ngrams-sdca" => "SentenceEmbedding+FeaturizeText+SdcaMaximumEntropy",
    _ => model,
};

static int Score(Dictionary<string, string> a)
{
    var ml = new MLContext();
    var model = ml.Model.Load(a["model"], out _);
    var scored = model.Transform(TsvData.LoadFrame(a["data"]));
    using var writer = new StreamWriter(a["out"]);
    foreach (var score in scored.GetColumn<float[]>("Score"))
        writer.WriteLine(string.Join('\t', score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
    (model as IDisposable)?.Dispose();
    return 0;
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var map = new Dictionary<string, string>();
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"Expected --option, got '{args[i]}'.");
        map[args[i][2..]] = args[i + 1];
    }
    return map;
}

sealed class KeyedScore
{
    public uint Label { get; set; }
    public float[] Score { get; set; } = [];
    public uint PredictedLabel { get; set; }
}
