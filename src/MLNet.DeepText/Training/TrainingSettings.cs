namespace MLNet.DeepText.Training;

/// <summary>
/// Settings of <see cref="ClassifierTrainer"/>. The documented defaults and the validation live on the ML.NET
/// options (<c>DeepTextOptions</c>), which build this record.
/// </summary>
internal sealed record TrainingSettings
{
    public required int BatchSize { get; init; }
    public required int MaxEpochs { get; init; }
    public required double LearningRate { get; init; }
    public required double WeightDecay { get; init; }
    /// <summary>Fraction of all planned steps spent warming the learning rate up linearly from zero.</summary>
    public required double WarmupFraction { get; init; }
    /// <summary>What the learning rate does after warm-up.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Cosine;
    public required double LabelSmoothing { get; init; }
    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public required double GradientClipNorm { get; init; }
    /// <summary>Epochs without a better validation score before training stops.</summary>
    public required int EarlyStoppingPatience { get; init; }
    /// <summary>Wall-clock budget of the training loop (null: none).</summary>
    public TimeSpan? MaxTrainingTime { get; init; }
    public required int Seed { get; init; }
    /// <summary>Batches per length-bucketing window (examples are sorted by length within a shuffled window).</summary>
    public int BucketWindowBatches { get; init; } = 50;
}
