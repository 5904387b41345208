using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>How a candidate's evaluation ended.</summary>
public enum CandidateStatus
{
    /// <summary>Every fold was trained and evaluated.</summary>
    Completed,
    /// <summary>Training or scoring threw; <see cref="LeaderboardRow.Error"/> says why.</summary>
    Failed,
    /// <summary>The time budget ran out while it trained.</summary>
    StoppedByTimeBudget,
    /// <summary>The time budget was spent before its turn.</summary>
    SkippedByTimeBudget,
}

/// <summary>
/// One candidate's result. Metrics are means over the folds (one fold for a holdout split), computed by ML.NET's
/// <c>MulticlassClassification.Evaluate</c> on the held-out predictions; <see cref="FoldMetrics"/> has ML.NET's own objects.
/// </summary>
public sealed record LeaderboardRow(
    string Candidate, CandidateStatus Status, double MicroAccuracy, double MacroAccuracy, double MacroF1, double LogLoss,
    double TrainSeconds, double PredictionsPerSecond, long ModelBytes, long? Parameters,
    IReadOnlyList<MulticlassClassificationMetrics> FoldMetrics, string? Error)
{
    /// <summary>This row's value of <paramref name="metric"/>.</summary>
    public double Value(ComparisonMetric metric) => metric switch
    {
        ComparisonMetric.MicroAccuracy => MicroAccuracy,
        ComparisonMetric.MacroAccuracy => MacroAccuracy,
        ComparisonMetric.MacroF1 => MacroF1,
        ComparisonMetric.LogLoss => LogLoss,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };
}

/// <summary>The leaderboard (best first), the best model refitted on all data, and how long it all took.</summary>
public sealed class ModelComparisonResult
{
    internal ModelComparisonResult(IReadOnlyList<LeaderboardRow> leaderboard, ITransformer? bestModel, ComparisonMetric rankBy, int folds, TimeSpan elapsed) =>
        (Leaderboard, BestModel, RankBy, Folds, Elapsed) = (leaderboard, bestModel, rankBy, folds, elapsed);

    /// <summary>Every candidate, completed ones first, ranked by <see cref="RankBy"/>.</summary>
    public IReadOnlyList<LeaderboardRow> Leaderboard { get; }
    /// <summary>The best completed candidate, or null when none completed.</summary>
    public LeaderboardRow? Best => Leaderboard.FirstOrDefault(r => r.Status == CandidateStatus.Completed);
    /// <summary>
    /// The best candidate's pipeline refitted on all the data (label → key, the model, and <c>PredictedLabel</c> mapped
    /// back to the label's values), ready for <c>mlContext.Model.Save</c>; null when none completed or refit was off.
    /// Dispose it when done (it may hold native memory).
    /// </summary>
    public ITransformer? BestModel { get; }
    /// <summary>The ranking metric.</summary>
    public ComparisonMetric RankBy { get; }
    /// <summary>Folds per candidate (1 for a holdout split).</summary>
    public int Folds { get; }
    /// <summary>Wall-clock time of the comparison, refit included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The leaderboard as a markdown table.</summary>
    public string ToMarkdown()
    {
        var s = new StringBuilder();
        s.AppendLine("| rank | model | micro-accuracy | macro-accuracy | macro-F1 | log-loss | train s | predictions/s | size MB | parameters | status |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        int rank = 0;
        foreach (var r in Leaderboard)
        {
            bool done = r.Status == CandidateStatus.Completed;
            string F(double v, string format) => done ? v.ToString(format, CultureInfo.InvariantCulture) : "";
            s.AppendLine($"| {(done ? (++rank).ToString(CultureInfo.InvariantCulture) : "")} | {r.Candidate} | {F(r.MicroAccuracy, "F4")} | {F(r.MacroAccuracy, "F4")} | " +
                $"{F(r.MacroF1, "F4")} | {F(r.LogLoss, "F4")} | {F(r.TrainSeconds, "F1")} | {F(r.PredictionsPerSecond, "N0")} | " +
                $"{F(r.ModelBytes / 1e6, "F2")} | {(done && r.Parameters is { } p ? p.ToString("N0", CultureInfo.InvariantCulture) : "")} | " +
                $"{r.Status}{(r.Error is null ? "" : ": " + r.Error.ReplaceLineEndings(" "))} |");
        }
        return s.ToString();
    }

    /// <summary>The leaderboard as a markdown table.</summary>
    public override string ToString() => ToMarkdown();

    /// <summary>The leaderboard as a <see cref="DataFrame"/> (one row per candidate, in rank order).</summary>
    public DataFrame ToDataFrame() => new(
        new StringDataFrameColumn("Model", Leaderboard.Select(r => r.Candidate)),
        new StringDataFrameColumn("Status", Leaderboard.Select(r => r.Status.ToString())),
        new DoubleDataFrameColumn("MicroAccuracy", Leaderboard.Select(r => r.MicroAccuracy)),
        new DoubleDataFrameColumn("MacroAccuracy", Leaderboard.Select(r => r.MacroAccuracy)),
        new DoubleDataFrameColumn("MacroF1", Leaderboard.Select(r => r.MacroF1)),
        new DoubleDataFrameColumn("LogLoss", Leaderboard.Select(r => r.LogLoss)),
        new DoubleDataFrameColumn("TrainSeconds", Leaderboard.Select(r => r.TrainSeconds)),
        new DoubleDataFrameColumn("PredictionsPerSecond", Leaderboard.Select(r => r.PredictionsPerSecond)),
        new Int64DataFrameColumn("ModelBytes", Leaderboard.Select(r => r.ModelBytes)),
        new Int64DataFrameColumn("Parameters", Leaderboard.Select(r => r.Parameters)));
}

/// <summary>Model comparison on ML.NET's multiclass catalog.</summary>
public static class ModelComparisonCatalog
{
    /// <summary>
    /// Trains every candidate on the same holdout split or the same k folds of <paramref name="data"/> (the label is
    /// mapped to keys once, before splitting), scores the held-out rows with ML.NET's <c>Evaluate</c>, and returns
    /// the leaderboard with quality, train time, predictions per second, model size and parameter count, plus the
    /// best pipeline refitted on all the data.
    /// </summary>
    /// <param name="catalog">The multiclass classification catalog.</param>
    /// <param name="data">Rows with a text column and a label column (any type <c>MapValueToKey</c> takes, or a key).</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="options">Candidates, folds, time budget, ranking, progress and cancellation; null for the defaults.</param>
    public static ModelComparisonResult CompareModels(this MulticlassClassificationCatalog catalog, IDataView data,
        string textColumnName = "Text", string labelColumnName = "Label", ModelComparisonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ModelComparisonOptions();
        options.Validate();
        var candidates = options.Candidates ?? ModelCandidate.Defaults();
        TextInput.CheckText(data.Schema, textColumnName);
        var label = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName),
                $"The label column '{labelColumnName}' was not found in the data. Available columns: {string.Join(", ", data.Schema.Select(c => c.Name))}.");

        // A context of our own for the candidates (a catalog does not expose its MLContext), with the caller's device settings.
        var env = MlNetBridge.GetEnvironment(catalog);
        var (gpu, fallback) = MlNetBridge.GetDeviceSettings(env);
        var ml = new MLContext(options.Seed) { GpuDeviceId = gpu, FallbackToCpu = fallback };

        // Label keys once, from all rows, so every fold and the refit agree on what key i means.
        bool isKey = label.Type is KeyDataViewType;
        ITransformer toKey = isKey ? new TransformerChain<ITransformer>() : ml.Transforms.Conversion.MapValueToKey(labelColumnName).Fit(data);
        var keyed = ml.Data.Cache(toKey.Transform(data));
        int classes = CountClasses(keyed, labelColumnName);
        if (classes < 2)
            throw new ArgumentException(
                $"The label column '{labelColumnName}' has {classes} class(es) among the rows with a label; comparing classifiers needs at least two.", nameof(data));
        (IDataView Train, IDataView Test)[] splits;
        if (options.NumberOfFolds >= 2)
        {
            splits = [.. ml.Data.CrossValidationSplit(keyed, options.NumberOfFolds, seed: options.Seed).Select(f => (f.TrainSet, f.TestSet))];
        }
        else
        {
            var holdout = ml.Data.TrainTestSplit(keyed, options.TestFraction, seed: options.Seed);
            splits = [(holdout.TrainSet, holdout.TestSet)];
        }

        // One budget for the whole comparison: once its timer fires, the running candidate stops and the rest are skipped.
        var clock = Stopwatch.StartNew();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        if (options.TimeBudget is { } limit) budget.CancelAfter(limit);
        var rows = new List<LeaderboardRow>();
        foreach (var candidate in candidates)
            rows.Add(Evaluate(ml, candidate, splits, textColumnName, labelColumnName, options, budget.Token, clock));   // checks cancellation before each fold
        var ranked = Rank(rows, options.RankBy);

        ITransformer? best = null;
        if (options.RefitBest && ranked.FirstOrDefault(r => r.Status == CandidateStatus.Completed) is { } winner)
        {
            var estimator = candidates.Single(c => c.Name == winner.Candidate)
                .Create(new CandidateContext(ml, textColumnName, labelColumnName, options.CancellationToken));
            var model = estimator.Fit(keyed);
            best = isKey
                ? model
                : new TransformerChain<ITransformer>(toKey, model, ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(keyed)));
        }
        return new ModelComparisonResult(ranked, best, options.RankBy, splits.Length, clock.Elapsed);
    }

    /// <summary>Distinct non-missing keys in the label column, counted up to two.</summary>
    private static int CountClasses(IDataView keyed, string labelColumnName)
    {
        if (keyed.Schema[labelColumnName].Type.RawType != typeof(uint)) return 2;   // other key types: the candidates check
        var seen = new HashSet<uint>();
        foreach (var key in keyed.GetColumn<uint>(labelColumnName))
            if (key != 0 && seen.Add(key) && seen.Count >= 2) break;
        return seen.Count;
    }

    private static LeaderboardRow Evaluate(MLContext ml, ModelCandidate candidate, (IDataView Train, IDataView Test)[] splits,
        string text, string label, ModelComparisonOptions options, CancellationToken budget, Stopwatch clock)
    {
        var metrics = new List<MulticlassClassificationMetrics>();
        double trainSeconds = 0, predictionsPerSecond = 0;
        long bytes = 0;
        long? parameters = null;
        for (int fold = 0; fold < splits.Length; fold++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            if (budget.IsCancellationRequested)
                return Unfinished(candidate, fold == 0 ? CandidateStatus.SkippedByTimeBudget : CandidateStatus.StoppedByTimeBudget, null);
            options.Progress?.Report(new ComparisonProgress(candidate.Name, fold, splits.Length, false, null, clock.Elapsed));
            ITransformer? model = null;
            try
            {
                var watch = Stopwatch.StartNew();
                model = candidate.Create(new CandidateContext(ml, text, label, budget)).Fit(splits[fold].Train);
                trainSeconds += watch.Elapsed.TotalSeconds;

                watch.Restart();
                var scored = ml.Data.Cache(model.Transform(splits[fold].Test));
                long count = 0;
                using (var cursor = scored.GetRowCursor(scored.Schema)) while (cursor.MoveNext()) count++;
                predictionsPerSecond += count / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
                metrics.Add(ml.MulticlassClassification.Evaluate(scored, label, "Score", "PredictedLabel"));

                using var saved = new MemoryStream();
                ml.Model.Save(model, splits[fold].Train.Schema, saved);
                bytes = saved.Length;
                parameters = ParameterCount(model, scored.Schema, metrics[^1].PerClassLogLoss.Count);
                options.Progress?.Report(new ComparisonProgress(candidate.Name, fold, splits.Length, true, metrics[^1].MicroAccuracy, clock.Elapsed));
            }
            catch (OperationCanceledException) when (!options.CancellationToken.IsCancellationRequested)
            {
                return Unfinished(candidate, CandidateStatus.StoppedByTimeBudget, null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                options.Progress?.Report(new ComparisonProgress(candidate.Name, fold, splits.Length, true, null, clock.Elapsed));
                return Unfinished(candidate, CandidateStatus.Failed, $"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        int n = metrics.Count;
        return new LeaderboardRow(candidate.Name, CandidateStatus.Completed, metrics.Average(m => m.MicroAccuracy), metrics.Average(m => m.MacroAccuracy),
            metrics.Average(m => m.MacroF1()), metrics.Average(m => m.LogLoss), trainSeconds / n, predictionsPerSecond / n, bytes, parameters, metrics, null);
    }

    private static LeaderboardRow Unfinished(ModelCandidate candidate, CandidateStatus status, string? error) =>
        new(candidate.Name, status, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, null, [], error);

    private static List<LeaderboardRow> Rank(List<LeaderboardRow> rows, ComparisonMetric metric)
    {
        var done = rows.Where(r => r.Status == CandidateStatus.Completed);
        var ordered = metric == ComparisonMetric.LogLoss
            ? done.OrderBy(r => r.LogLoss).ThenByDescending(r => r.MicroAccuracy)
            : done.OrderByDescending(r => r.Value(metric)).ThenBy(r => r.LogLoss);   // ties (common on easy data) go to the better-calibrated model
        return [.. ordered, .. rows.Where(r => r.Status != CandidateStatus.Completed)];
    }

    /// <summary>The transformers of a chain, nested chains (e.g. a custom candidate's ShortenText + trainer) opened, in order.</summary>
    private static IEnumerable<ITransformer> Parts(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Parts) : [model];

    /// <summary>A DeepText model's parameter count; for a linear model on a feature vector, (features + 1) × classes; else null.</summary>
    private static long? ParameterCount(ITransformer model, DataViewSchema scored, int classes)
    {
        var parts = Parts(model).ToList();
        var deep = parts.OfType<DeepTextTransformer>().FirstOrDefault();
        if (deep is not null) return deep.ParameterCount;
        // A linear classic pipeline: a weight per feature and class, plus the biases. Others (e.g. trees): not counted.
        bool linear = parts[^1] is IPredictionTransformer<object> { Model: Microsoft.ML.Trainers.LinearMulticlassModelParametersBase };
        return linear && scored.GetColumnOrNull("__Features")?.Type is VectorDataViewType { Size: > 0 } features ? (features.Size + 1L) * classes : null;
    }
}

/// <summary>Metrics ML.NET does not compute itself.</summary>
public static class MulticlassMetricsExtensions
{
    /// <summary>Unweighted mean over the classes present in the labels of the per-class F1 (a class never predicted has F1 = 0).</summary>
    public static double MacroF1(this MulticlassClassificationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var matrix = metrics.ConfusionMatrix;
        int k = matrix.NumberOfClasses;
        var f1 = new List<double>();
        for (int c = 0; c < k; c++)
        {
            double tp = matrix.Counts[c][c], support = matrix.Counts[c].Sum(), predicted = Enumerable.Range(0, k).Sum(r => matrix.Counts[r][c]);
            if (support == 0) continue;
            f1.Add(tp == 0 ? 0 : 2 * tp / (support + predicted));
        }
        return f1.Count == 0 ? 0 : f1.Average();
    }
}
