using Microsoft.ML;

namespace MLNet.DeepText;

/// <summary>What a candidate's factory gets: the context, the text column, the key-typed label column and a token to honour.</summary>
public sealed record CandidateContext(MLContext MLContext, string TextColumnName, string LabelColumnName, CancellationToken CancellationToken);

/// <summary>
/// One model to compare: a name and a factory that builds a fresh, unfitted estimator from the text column to the
/// standard <c>Score</c> and <c>PredictedLabel</c> columns (called once per fold and once for the final refit).
/// The predefined candidates cover DeepText's families and ML.NET's classic text pipelines; <see cref="Custom"/> takes
/// any estimator of yours (it must read the key-typed label column it is given).
/// </summary>
public sealed class ModelCandidate
{
    /// <summary>The name shown on the leaderboard.</summary>
    public string Name { get; }
    private readonly Func<CandidateContext, IEstimator<ITransformer>> _factory;

    private ModelCandidate(string name, Func<CandidateContext, IEstimator<ITransformer>> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Name = name;
        _factory = factory;
    }

    internal IEstimator<ITransformer> Create(CandidateContext context) =>
        _factory(context) ?? throw new InvalidOperationException($"Candidate '{Name}': the factory returned null.");

    /// <summary>Any estimator: <paramref name="factory"/> builds it for the given columns (e.g. FeaturizeText + LightGbm, with your own reference to Microsoft.ML.LightGbm).</summary>
    public static ModelCandidate Custom(string name, Func<CandidateContext, IEstimator<ITransformer>> factory) => new(name, factory);

    /// <summary>The plain Transformer encoder (optionally configured; the columns and the token are set by the comparison).</summary>
    public static ModelCandidate TransformerEncoder(Action<TransformerEncoderOptions>? configure = null) =>
        DeepText("TransformerEncoder", configure);

    /// <summary>The compact transformer (CCT-2 by default).</summary>
    public static ModelCandidate CompactTransformer(Action<CompactTransformerOptions>? configure = null) =>
        DeepText("CompactTransformer", configure);

    /// <summary>The staircase attention classifier.</summary>
    public static ModelCandidate Staircase(Action<StaircaseOptions>? configure = null) =>
        DeepText("Staircase", configure);

    /// <summary>The long-document classifier.</summary>
    public static ModelCandidate LongDocument(Action<LongDocumentOptions>? configure = null) =>
        DeepText("LongDocument", configure);

    /// <summary>ML.NET's classic text pipeline: <c>FeaturizeText</c> (word 1–2-grams and character 3-grams) + <c>SdcaMaximumEntropy</c>.</summary>
    public static ModelCandidate SdcaMaximumEntropy() => new("FeaturizeText+SdcaMaximumEntropy", c =>
        c.MLContext.Transforms.Text.FeaturizeText("__Features", c.TextColumnName)
            .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "__Features")));

    /// <summary>ML.NET's classic text pipeline with L-BFGS multinomial logistic regression.</summary>
    public static ModelCandidate LbfgsMaximumEntropy() => new("FeaturizeText+LbfgsMaximumEntropy", c =>
        c.MLContext.Transforms.Text.FeaturizeText("__Features", c.TextColumnName)
            .Append(c.MLContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy(c.LabelColumnName, "__Features")));

    /// <summary>
    /// The default field: ML.NET's two classic text pipelines, the plain Transformer, the compact transformer and the
    /// staircase. The long-document model is not in it (it is meant for texts of thousands of tokens); add
    /// <see cref="LongDocument"/> for those.
    /// </summary>
    public static IReadOnlyList<ModelCandidate> Defaults() =>
        [SdcaMaximumEntropy(), LbfgsMaximumEntropy(), TransformerEncoder(), CompactTransformer(), Staircase()];

    /// <summary>
    /// A seeded random search for one DeepText family (chosen by the options type): <paramref name="trials"/>
    /// candidates, the first with the defaults (after <paramref name="configure"/>), the others with values drawn from
    /// the search space the options declare (<see cref="RandomSearch"/>). Each candidate's name lists its values, so
    /// the leaderboard shows every tried configuration.
    /// </summary>
    public static IReadOnlyList<ModelCandidate> Search<TOptions>(int trials, int seed = 1, Action<TOptions>? configure = null)
        where TOptions : DeepTextOptions, new()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        string family = Family<TOptions>();
        var random = new Random(seed);
        var result = new List<ModelCandidate> { DeepText(family + " #1 (defaults)", configure) };
        for (int draws = 0; result.Count < trials; draws++)
        {
            if (draws == 100 * trials)
                throw new InvalidOperationException($"{typeof(TOptions).Name}: {draws} random draws gave only {result.Count - 1} valid configurations; check the search space against the configured options.");
            var sampled = new TOptions();
            configure?.Invoke(sampled);
            var settings = RandomSearch.Sample(sampled, random);
            try { sampled.Validate(); }
            catch (ArgumentException) { continue; }   // e.g. a width the head count does not divide: draw again
            result.Add(DeepText<TOptions>($"{family} #{result.Count + 1} ({string.Join(", ", settings)})", o =>
            {
                configure?.Invoke(o);
                foreach (var p in RandomSearch.SearchableProperties<TOptions>()) p.SetValue(o, p.GetValue(sampled));
            }));
        }
        return result;
    }

    /// <summary>The family's name: its options type's name without "Options".</summary>
    private static string Family<TOptions>() => typeof(TOptions).Name.EndsWith("Options", StringComparison.Ordinal)
        ? typeof(TOptions).Name[..^"Options".Length] : typeof(TOptions).Name;

    /// <summary>A DeepText family's candidate: fresh options, configured, with the comparison's columns and token.</summary>
    internal static ModelCandidate DeepText<TOptions>(string name, Action<TOptions>? configure)
        where TOptions : DeepTextOptions, new() => new(name, c =>
        {
            var options = new TOptions();
            configure?.Invoke(options);
            options.TextColumnName = c.TextColumnName;
            options.LabelColumnName = c.LabelColumnName;
            options.CancellationToken = c.CancellationToken;
            return new DeepTextTrainer<TOptions>(MlNetBridge.GetEnvironment(c.MLContext.MulticlassClassification.Trainers), options);
        });

    /// <summary>The candidate's name.</summary>
    public override string ToString() => Name;
}
