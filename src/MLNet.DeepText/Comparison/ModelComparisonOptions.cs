namespace MLNet.DeepText;

/// <summary>The metric the leaderboard is ranked by.</summary>
public enum ComparisonMetric
{
    /// <summary>Share of rows predicted correctly (ML.NET's <c>MicroAccuracy</c>).</summary>
    MicroAccuracy,
    /// <summary>Mean of the per-class accuracies (ML.NET's <c>MacroAccuracy</c>).</summary>
    MacroAccuracy,
    /// <summary>Unweighted mean of the per-class F1 scores.</summary>
    MacroF1,
    /// <summary>Log-loss (lower is better).</summary>
    LogLoss,
}

/// <summary>Options of <see cref="ModelComparisonCatalog.CompareModels"/>.</summary>
public sealed class ModelComparisonOptions
{
    /// <summary>The models to compare; default <see cref="ModelCandidate.Defaults"/>.</summary>
    public IReadOnlyList<ModelCandidate>? Candidates { get; set; }
    /// <summary>
    /// k-fold cross-validation with this many folds (2 to 20), the same folds for every candidate; 0 (default) uses one
    /// holdout split of <see cref="TestFraction"/> instead.
    /// </summary>
    public int NumberOfFolds { get; set; }
    /// <summary>Share of rows held out for testing when <see cref="NumberOfFolds"/> is 0, in (0, 0.9]. Default 0.2.</summary>
    public double TestFraction { get; set; } = 0.2;
    /// <summary>Seed of the split or folds (DeepText models take theirs from the MLContext unless configured). Default 1.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>
    /// Wall-clock budget for the comparison. A candidate whose turn comes after the budget is spent is skipped; a
    /// DeepText candidate still training when it runs out is stopped (ML.NET's own trainers cannot be interrupted and
    /// finish their fit). The refit of the best model is not counted. Null (default): no limit.
    /// </summary>
    public TimeSpan? TimeBudget { get; set; }
    /// <summary>The metric that ranks the leaderboard and picks the best model. Default <see cref="ComparisonMetric.MicroAccuracy"/>.</summary>
    public ComparisonMetric RankBy { get; set; } = ComparisonMetric.MicroAccuracy;
    /// <summary>Refit the best candidate (or the ensemble's members) on all the data and return it as <see cref="ModelComparisonResult.BestModel"/>. Default true.</summary>
    public bool RefitBest { get; set; } = true;
    /// <summary>
    /// Add the weighted ensemble of the candidates to the leaderboard (row <see cref="ModelComparisonCatalog.EnsembleName"/>;
    /// Caruana et al.'s greedy ensemble selection over the held-out class probabilities, scored on rows its weights
    /// were not chosen on). When it ranks first, <see cref="ModelComparisonResult.BestModel"/> is the ensemble: its
    /// members refitted on all the data, in one model. Default true.
    /// </summary>
    public bool BuildEnsemble { get; set; } = true;
    /// <summary>Receives a report when each candidate's fold starts and ends.</summary>
    public IProgress<ComparisonProgress>? Progress { get; set; }
    /// <summary>Stops the comparison (and a DeepText candidate's training) with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    internal void Validate()
    {
        if (Candidates is { Count: 0 })
            throw new ArgumentException("Option Candidates is empty: give at least one model to compare (or leave it null for the defaults).", nameof(Candidates));
        if (Candidates?.Any(c => c is null) == true)
            throw new ArgumentException("Option Candidates contains null.", nameof(Candidates));
        if (Candidates is not null && Candidates.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ArgumentException($"Option Candidates has two candidates named '{duplicate.Key}'; names must be unique.", nameof(Candidates));
        if (BuildEnsemble && Candidates?.Any(c => c.Name == ModelComparisonCatalog.EnsembleName) == true)
            throw new ArgumentException($"Option Candidates has a candidate named '{ModelComparisonCatalog.EnsembleName}', the name of the ensemble's row: rename it (or set BuildEnsemble to false).", nameof(Candidates));
        if (NumberOfFolds != 0 && (NumberOfFolds < 2 || NumberOfFolds > 20))
            throw new ArgumentOutOfRangeException(nameof(NumberOfFolds), NumberOfFolds, $"Option NumberOfFolds = {NumberOfFolds} is invalid: use 0 for a holdout split or 2 to 20 folds.");
        if (!(TestFraction > 0 && TestFraction <= 0.9))
            throw new ArgumentOutOfRangeException(nameof(TestFraction), TestFraction, $"Option TestFraction = {TestFraction} is invalid; allowed: (0, 0.9].");
        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), budget, "Option TimeBudget must be positive (or null for no limit).");
        if (!Enum.IsDefined(RankBy))
            throw new ArgumentOutOfRangeException(nameof(RankBy), RankBy, $"Option RankBy = {RankBy} is invalid; allowed: {string.Join(", ", Enum.GetNames<ComparisonMetric>())}.");
    }
}

/// <summary>A comparison's progress: which candidate and fold, and (when it has finished) its accuracy.</summary>
public sealed record ComparisonProgress(string Candidate, int Fold, int Folds, bool Finished, double? MicroAccuracy, TimeSpan Elapsed)
{
    /// <summary>One line for a console: the candidate, the fold and its accuracy when finished.</summary>
    public override string ToString() =>
        $"[{Elapsed:hh\\:mm\\:ss}] {Candidate} fold {Fold + 1}/{Folds} " + (Finished ? (MicroAccuracy is { } a ? $"accuracy {a:F4}" : "failed") : "training...");
}
