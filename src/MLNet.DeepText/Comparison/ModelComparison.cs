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
/// <remarks>
/// The <see cref="ModelComparisonCatalog.EnsembleName"/> row is the weighted ensemble of the candidates: its
/// <see cref="EnsembleWeights"/> name the members; its train time, size and parameters are its members' sums, and its
/// predictions per second is what running them all gives.
/// </remarks>
public sealed record LeaderboardRow(
    string Candidate, CandidateStatus Status, double MicroAccuracy, double MacroAccuracy, double MacroF1, double LogLoss,
    double TrainSeconds, double PredictionsPerSecond, long ModelBytes, long? Parameters,
    IReadOnlyList<MulticlassClassificationMetrics> FoldMetrics, string? Error,
    IReadOnlyDictionary<string, double>? EnsembleWeights = null)
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
    internal ModelComparisonResult(IReadOnlyList<LeaderboardRow> leaderboard, ITransformer? bestModel, ComparisonMetric rankBy, int folds, TimeSpan elapsed,
        IReadOnlyList<string> classNames, int rows) =>
        (Leaderboard, BestModel, RankBy, Folds, Elapsed, ClassNames, Rows) = (leaderboard, bestModel, rankBy, folds, elapsed, classNames, rows);

    /// <summary>The classes in key order (the order of <c>Score</c> and of the confusion matrices' rows and columns).</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Rows with a label that the comparison split into training and held-out data.</summary>
    public int Rows { get; }

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
            string name = r.EnsembleWeights is { } weights
                ? $"{r.Candidate} ({string.Join(", ", weights.Select(w => $"{w.Key} {w.Value.ToString("F2", CultureInfo.InvariantCulture)}"))})"
                : r.Candidate;
            s.AppendLine($"| {(done ? (++rank).ToString(CultureInfo.InvariantCulture) : "")} | {name} | {F(r.MicroAccuracy, "F4")} | {F(r.MacroAccuracy, "F4")} | " +
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
        int classes = CountClasses(keyed, labelColumnName, out int labelledRows);
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
        var heldOut = new Dictionary<string, HeldOut>();
        foreach (var candidate in candidates)
        {
            var (row, predictions) = Evaluate(ml, candidate, splits, textColumnName, labelColumnName, options, budget.Token, clock);   // checks cancellation before each fold
            rows.Add(row);
            if (predictions is not null) heldOut[candidate.Name] = predictions;
        }
        if (options.BuildEnsemble && heldOut.Count >= 2) rows.Add(Ensemble(ml, rows, heldOut, options));
        var ranked = Rank(rows, options.RankBy);

        ITransformer? best = null;
        if (options.RefitBest && ranked.FirstOrDefault(r => r.Status == CandidateStatus.Completed) is { } winner)
        {
            var context = new CandidateContext(ml, textColumnName, labelColumnName, options.CancellationToken);
            var weights = winner.EnsembleWeights ?? new Dictionary<string, double> { [winner.Candidate] = 1.0 };
            var model = weights.Count == 1
                ? candidates.Single(c => c.Name == weights.Keys.Single()).Create(context).Fit(keyed)
                : FitEnsemble(ml, weights.Select(w => (candidates.Single(c => c.Name == w.Key), w.Value)).ToArray(), context, keyed);
            // No label step in front: the best model scores rows that have no label. Its PredictedLabel goes back to the label's values.
            best = isKey ? model : new TransformerChain<ITransformer>(model, ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(keyed)));
        }
        return new ModelComparisonResult(ranked, best, options.RankBy, splits.Length, clock.Elapsed,
            LabelKeyValues.SlotNames(LabelKeyValues.FromColumn(keyed.Schema[labelColumnName]), classes), labelledRows);
    }

    /// <summary>The name of the ensemble's leaderboard row.</summary>
    public const string EnsembleName = "Ensemble";

    /// <summary>A candidate's held-out class probabilities and labels (0-based), per fold, rows without a label left out.</summary>
    private sealed record HeldOut(float[][][] Scores, int[][] Labels);

    /// <summary>
    /// The ensemble's row. Its weights are chosen by <see cref="EnsembleSelection"/> on held-out predictions, and it is
    /// scored only on rows its weights were not chosen on: with folds, each fold by weights chosen on the other folds;
    /// with a holdout split, each half of the held-out rows by weights chosen on the other half. The weights it reports
    /// (and that the refit uses) are chosen on all the held-out rows.
    /// </summary>
    private static LeaderboardRow Ensemble(MLContext ml, List<LeaderboardRow> rows, Dictionary<string, HeldOut> heldOut, ModelComparisonOptions options)
    {
        var names = heldOut.Keys.ToArray();
        // Every held-out row once (fold by fold), with each candidate's probabilities for it.
        var probabilities = names.Select(n => heldOut[n].Scores.SelectMany(fold => fold).ToArray()).ToArray();
        var labels = heldOut[names[0]].Labels.SelectMany(fold => fold).ToArray();
        // The parts that take turns: the folds, or two random halves of the one holdout split.
        bool folds = heldOut[names[0]].Labels.Length >= 2;
        var parts = new List<int[]>();
        if (folds)
            foreach (var fold in heldOut[names[0]].Labels) parts.Add([.. Enumerable.Range(parts.Sum(p => p.Length), fold.Length)]);
        else
        {
            var rng = new Random(options.Seed);
            var shuffled = Enumerable.Range(0, labels.Length).OrderBy(_ => rng.Next()).ToArray();
            parts = [shuffled[..(labels.Length / 2)], shuffled[(labels.Length / 2)..]];
        }
        var ensemble = EnsembleSelection.CrossFitted(probabilities, labels, [.. parts], options.RankBy);
        var metrics = folds
            ? parts.Select(part => EvaluateScores(ml, [.. part.Select(r => ensemble[r])], [.. part.Select(r => labels[r])])).ToList()
            : [EvaluateScores(ml, ensemble, labels)];

        var final = EnsembleSelection.Select(probabilities, labels, options.RankBy);
        var members = names.Select((n, i) => (Row: rows.Single(r => r.Candidate == n), Weight: final[i])).Where(m => m.Weight > 0).ToArray();
        return new LeaderboardRow(EnsembleName, CandidateStatus.Completed, metrics.Average(m => m.MicroAccuracy), metrics.Average(m => m.MacroAccuracy),
            metrics.Average(m => m.MacroF1()), metrics.Average(m => m.LogLoss),
            members.Sum(m => m.Row.TrainSeconds), 1 / members.Sum(m => 1 / m.Row.PredictionsPerSecond), members.Sum(m => m.Row.ModelBytes),
            members.All(m => m.Row.Parameters is not null) ? members.Sum(m => m.Row.Parameters!.Value) : null,
            metrics, null, members.ToDictionary(m => m.Row.Candidate, m => m.Weight));
    }

    /// <summary>ML.NET's metrics of class probabilities <paramref name="scores"/> for 0-based <paramref name="labels"/>.</summary>
    internal static MulticlassClassificationMetrics EvaluateScores(MLContext ml, float[][] scores, int[] labels)
    {
        int classes = scores[0].Length;
        var schema = SchemaDefinition.Create(typeof(ScoredRow));
        schema[nameof(ScoredRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        schema[nameof(ScoredRow.PredictedLabel)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        schema[nameof(ScoredRow.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
        var data = ml.Data.LoadFromEnumerable(scores.Select((s, i) => new ScoredRow
        {
            Label = (uint)labels[i], Score = s, PredictedLabel = (uint)Array.IndexOf(s, s.Max()),   // LoadFromEnumerable's keys are 0-based
        }), schema);
        return ml.MulticlassClassification.Evaluate(data, nameof(ScoredRow.Label), nameof(ScoredRow.Score), nameof(ScoredRow.PredictedLabel));
    }

    private sealed class ScoredRow
    {
        public uint Label { get; set; }
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    /// <summary>
    /// The members fitted on <paramref name="data"/> one after the other in one chain, each member's Score copied to a
    /// column of its own, then <see cref="EnsembleScoreTransformer"/> averaging them with their weights.
    /// </summary>
    internal static ITransformer FitEnsemble(MLContext ml, (ModelCandidate Candidate, double Weight)[] members, CandidateContext context, IDataView data)
    {
        var parts = new List<ITransformer>();
        var view = data;
        var columns = new List<string>();
        DataViewSchema.Column? predicted = null;
        try
        {
            foreach (var (candidate, _) in members)
            {
                var model = candidate.Create(context).Fit(data);
                var copy = ml.Transforms.CopyColumns($"{EnsembleName}.Score.{columns.Count}", "Score").Fit(model.Transform(data));
                parts.Add(model);
                parts.Add(copy);
                view = copy.Transform(model.Transform(view));
                columns.Add($"{EnsembleName}.Score.{columns.Count}");
                predicted ??= view.Schema["PredictedLabel"];
            }
        }
        catch
        {
            foreach (var part in parts) (part as IDisposable)?.Dispose();
            throw;
        }
        int classes = ((VectorDataViewType)view.Schema["Score"].Type).Size;
        parts.Add(new EnsembleScoreTransformer(columns, [.. members.Select(m => m.Weight)], classes, LabelKeyValues.FromColumn(predicted!.Value)));
        return new TransformerChain<ITransformer>([.. parts]);
    }

    /// <summary>The label's classes (its key count; 0 or 1 when fewer than two keys occur) and the rows that have a label.</summary>
    private static int CountClasses(IDataView keyed, string labelColumnName, out int labelledRows)
    {
        labelledRows = 0;
        var type = (KeyDataViewType)keyed.Schema[labelColumnName].Type;
        if (type.RawType != typeof(uint)) return (int)type.Count;   // other key types: the candidates check
        var seen = new HashSet<uint>();
        foreach (var key in keyed.GetColumn<uint>(labelColumnName))
            if (key != 0) { labelledRows++; seen.Add(key); }
        return seen.Count < 2 ? seen.Count : (int)type.Count;
    }

    private static (LeaderboardRow Row, HeldOut? Predictions) Evaluate(MLContext ml, ModelCandidate candidate, (IDataView Train, IDataView Test)[] splits,
        string text, string label, ModelComparisonOptions options, CancellationToken budget, Stopwatch clock)
    {
        var metrics = new List<MulticlassClassificationMetrics>();
        var scores = new List<float[][]>();
        var labels = new List<int[]>();
        double trainSeconds = 0, predictionsPerSecond = 0;
        long bytes = 0;
        long? parameters = null;
        for (int fold = 0; fold < splits.Length; fold++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            if (budget.IsCancellationRequested)
                return (Unfinished(candidate, fold == 0 ? CandidateStatus.SkippedByTimeBudget : CandidateStatus.StoppedByTimeBudget, null), null);
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
                // The held-out probabilities of the rows with a label, for the ensemble.
                var keys = scored.GetColumn<uint>(label).ToArray();
                var probabilities = scored.GetColumn<float[]>("Score").ToArray();
                var labelled = Enumerable.Range(0, keys.Length).Where(i => keys[i] != 0).ToArray();
                scores.Add([.. labelled.Select(i => probabilities[i])]);
                labels.Add([.. labelled.Select(i => (int)keys[i] - 1)]);

                using var saved = new MemoryStream();
                ml.Model.Save(model, splits[fold].Train.Schema, saved);
                bytes = saved.Length;
                parameters = ParameterCount(model, scored.Schema, metrics[^1].PerClassLogLoss.Count);
                options.Progress?.Report(new ComparisonProgress(candidate.Name, fold, splits.Length, true, metrics[^1].MicroAccuracy, clock.Elapsed));
            }
            catch (OperationCanceledException) when (!options.CancellationToken.IsCancellationRequested)
            {
                return (Unfinished(candidate, CandidateStatus.StoppedByTimeBudget, null), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                options.Progress?.Report(new ComparisonProgress(candidate.Name, fold, splits.Length, true, null, clock.Elapsed));
                return (Unfinished(candidate, CandidateStatus.Failed, $"{e.GetType().Name}: {e.Message}"), null);
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        int n = metrics.Count;
        return (new LeaderboardRow(candidate.Name, CandidateStatus.Completed, metrics.Average(m => m.MicroAccuracy), metrics.Average(m => m.MacroAccuracy),
            metrics.Average(m => m.MacroF1()), metrics.Average(m => m.LogLoss), trainSeconds / n, predictionsPerSecond / n, bytes, parameters, metrics, null),
            new HeldOut([.. scores], [.. labels]));
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
