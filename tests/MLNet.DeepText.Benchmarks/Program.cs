using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using MLNet.DeepText.Benchmarks;

// Benchmarks for MLNet.DeepText.
//   run   --data <dir with train.tsv, test.tsv> [--models transformer,sdca] [--max-epochs N] [--seed N]
//         Trains each model in its own child process (so peak memory is per model) and prints markdown rows.
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
    default:
        Console.Error.WriteLine("usage: run --data DIR [--models transformer,sdca] [--max-epochs N] [--seed N] | score --model ZIP --data TSV --out FILE");
        return 2;
}

static int Run(Dictionary<string, string> a)
{
    var models = a.GetValueOrDefault("models", "transformer,sdca").Split(',');
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, " +
        $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, TorchSharp-cpu 0.107.0, Microsoft.ML 5.0.1");
    Console.WriteLine();
    Console.WriteLine("| dataset | model | accuracy | macro-F1 | log-loss | train s | test predictions/s | peak working set MiB | parameters |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
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
    int seed = int.Parse(a.GetValueOrDefault("seed", "1"));
    var ml = new MLContext(seed);
    var train = TsvData.Load(ml, Path.Combine(dir, "train.tsv"));
    var test = TsvData.Load(ml, Path.Combine(dir, "test.tsv"));
    var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Label");
    IEstimator<ITransformer> trainer = model switch
    {
        "transformer" => ml.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
        {
            MaxEpochs = int.Parse(a.GetValueOrDefault("max-epochs", "20")),
            Progress = new StderrProgress(),
        }),
        "sdca" => ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        _ => throw new ArgumentException($"Unknown model '{model}'; use transformer or sdca."),
    };
    var clock = Stopwatch.StartNew();
    var fitted = toKey.Append(trainer).Fit(train);
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
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {(model == "sdca" ? "FeaturizeText+SdcaMaximumEntropy" : "TransformerEncoder")} | " +
        $"{metrics.MicroAccuracy:F4} | {MacroF1(metrics.ConfusionMatrix):F4} | {metrics.LogLoss:F4} | {trainSeconds:F1} | {predictionsPerSecond:F0} | " +
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} | {parameters:N0} |");
    (fitted as IDisposable)?.Dispose();
    return 0;
}

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
