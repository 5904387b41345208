using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using MLNet.DeepText.Benchmarks;

// Benchmarks for MLNet.DeepText.
//   run   --data <dir with train.tsv, test.tsv> [--models compact,staircase,transformer,sdca] [--train-size N] [--max-epochs N] [--lr X] [--batch N] [--max-tokens N] [--patience N] [--set Option=Value,...] [--seed N]
//         Trains each model in its own child process (so peak memory is per model) and prints markdown rows.
//         --train-size N trains on a seeded random N rows of train.tsv (label keys still come from all of it).
//   tasks  Prints the synthetic tasks' shortcut accuracies and lengths (VarTrack at 30–50 and 100–150 statements).
//   latency --data <dir> [--model compact] [--rows N]
//         Trains the model, then times PredictionEngine.Predict on N test rows one by one: median and p99.
//   score --model <model.zip> --data <file.tsv> --out <scores.tsv>
//         Loads a saved pipeline in this fresh process and writes each row's Score vector (round-trip float text).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argsMap = ParseArgs(args.Skip(1).ToArray());
switch (args.FirstOrDefault())
{
    case "run": return Run(argsMap);
    case "run-one": return RunOne(argsMap);
    case "score": return Score(argsMap);
    case "latency": return Latency(argsMap);
    case "tasks": return Tasks();
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
    Console.WriteLine("| dataset | train rows | model | accuracy | macro-F1 | log-loss | train s | test predictions/s | peak working set MiB | parameters |");
    Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    int failures = 0;
    foreach (var model in models)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        psi.ArgumentList.Add(typeof(Row).Assembly.Location);
        psi.ArgumentList.Add("run-one");
        foreach (var (k, v) in a.Where(kv => kv.Key != "models")) { psi.ArgumentList.Add("--" + k); psi.ArgumentList.Add(v); }
        psi.ArgumentList.Add("--model"); psi.ArgumentList.Add(model);
        using var child = Process.Start(psi)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Console.Write(output);
        if (child.ExitCode != 0) failures++;
    }
    return failures == 0 ? 0 : 1;
}

static int RunOne(Dictionary<string, string> a)
{
    var dir = a["data"];
    var model = a["model"];
    var ml = new MLContext(int.Parse(a.GetValueOrDefault("seed", "1")));
    var (train, test, toKey, trainRows) = LoadSplit(ml, a);
    var clock = Stopwatch.StartNew();
    var fitted = toKey.Append(Trainer(ml, model, a).Fit(toKey.Transform(train)));
    double trainSeconds = clock.Elapsed.TotalSeconds;

    var cached = ml.Data.Cache(test);
    long testRows = cached.GetRowCount() ?? ml.Data.CreateEnumerable<Row>(cached, false).LongCount();
    clock.Restart();
    var scored = ml.Data.Cache(fitted.Transform(cached));
    using (var cursor = scored.GetRowCursor(scored.Schema)) while (cursor.MoveNext()) { }
    double predictionsPerSecond = testRows / clock.Elapsed.TotalSeconds;

    var metrics = ml.MulticlassClassification.Evaluate(scored);
    long parameters = fitted.OfType<DeepTextTransformer>().Select(t => t.ParameterCount).FirstOrDefault();
    if (parameters == 0)
    {
        int features = ((VectorDataViewType)scored.Schema["Features"].Type).Size;
        parameters = (long)(features + 1) * metrics.PerClassLogLoss.Count;
    }
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {trainRows:N0} | {ModelName(model)} | " +
        $"{metrics.MicroAccuracy:F4} | {MacroF1(metrics.ConfusionMatrix):F4} | {metrics.LogLoss:F4} | {trainSeconds:F1} | {predictionsPerSecond:F0} | " +
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} | {parameters:N0} |");
    (fitted as IDisposable)?.Dispose();
    return 0;
}

static int Tasks()
{
    Console.WriteLine("| task | examples | mean tokens | min–max tokens | skip-every-if accuracy | apply-every-if accuracy |");
    Console.WriteLine("|---|---:|---:|---|---:|---:|");
    foreach (var (name, options) in new[] { ("VarTrack, 30–50 statements", new MLNet.DeepText.Synthetic.VarTrackOptions()),
        ("VarTrack, 100–150 statements", new MLNet.DeepText.Synthetic.VarTrackOptions { MinStatements = 100, MaxStatements = 150 }) })
    {
        var examples = MLNet.DeepText.Synthetic.VarTrack.Generate(5000, seed: 1, options);
        var lengths = examples.Select(e => e.Text.Split(' ').Length).ToArray();
        var (skip, apply) = MLNet.DeepText.Synthetic.VarTrack.ShortcutAccuracy(examples);
        Console.WriteLine($"| {name} | {examples.Count:N0} | {lengths.Average():F0} | {lengths.Min()}–{lengths.Max()} | {skip:F3} | {apply:F3} |");
    }
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
    engine.Dispose();
    return 0;
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

static IEstimator<ITransformer> Trainer(MLContext ml, string model, Dictionary<string, string> a)
{
    return model switch
    {
        "compact" => ml.MulticlassClassification.Trainers.CompactTransformer(WithOptionOverrides(new CompactTransformerOptions
        {
            Preset = Enum.Parse<MLNet.DeepText.Models.CompactTransformerPreset>(a.GetValueOrDefault("preset", "Cct2"), ignoreCase: true),
            KernelSize = int.Parse(a.GetValueOrDefault("kernel", "2")),
            EmbeddingFile = a.GetValueOrDefault("embeddings"),
            Progress = new StderrProgress(),
        }, a)),
        "staircase" => ml.MulticlassClassification.Trainers.Staircase(WithOptionOverrides(new StaircaseOptions { Progress = new StderrProgress() }, a)),
        "transformer" => ml.MulticlassClassification.Trainers.TransformerEncoder(WithOptionOverrides(new TransformerEncoderOptions { Progress = new StderrProgress() }, a)),
        "sdca" => ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        _ => throw new ArgumentException($"Unknown model '{model}'; use compact, staircase, transformer or sdca."),
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
    // --set Name=Value[,Name=Value...]: any public option by name (enums by name, nullable types by their underlying type).
    foreach (var pair in a.GetValueOrDefault("set", "").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        var (name, text) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
        var property = typeof(T).GetProperty(name) ?? throw new ArgumentException($"{typeof(T).Name} has no option '{name}'.");
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, type.IsEnum ? Enum.Parse(type, text, ignoreCase: true) : Convert.ChangeType(text, type, CultureInfo.InvariantCulture));
    }
    return options;
}

static string ModelName(string model) => model switch
{
    "compact" => "CompactTransformer",
    "staircase" => "Staircase",
    "transformer" => "TransformerEncoder",
    "sdca" => "FeaturizeText+SdcaMaximumEntropy",
    _ => model,
};

static int Score(Dictionary<string, string> a)
{
    var ml = new MLContext().RegisterDeepText();
    var model = ml.Model.Load(a["model"], out _);
    var scored = model.Transform(TsvData.LoadFrame(a["data"]));
    using var writer = new StreamWriter(a["out"]);
    foreach (var score in scored.GetColumn<float[]>("Score"))
        writer.WriteLine(string.Join('\t', score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
    (model as IDisposable)?.Dispose();
    return 0;
}

/// <summary>Unweighted mean over classes present in the test labels of per-class F1 (a class never predicted has F1 = 0).</summary>
static double MacroF1(ConfusionMatrix m)
{
    int k = m.NumberOfClasses;
    var f1 = new List<double>();
    for (int c = 0; c < k; c++)
    {
        double tp = m.Counts[c][c], support = m.Counts[c].Sum(), predicted = Enumerable.Range(0, k).Sum(r => m.Counts[r][c]);
        if (support == 0) continue;
        f1.Add(tp == 0 ? 0 : 2 * tp / (support + predicted));
    }
    return f1.Average();
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
