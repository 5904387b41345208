namespace MLNet.DeepText.Training;

/// <summary>Settings of <see cref="ClassifierTrainer"/>; validated by the caller (the ML.NET options).</summary>
public sealed record TrainingSettings
{
    public int BatchSize { get; init; } = 32;
    public int MaxEpochs { get; init; } = 20;
    public double LearningRate { get; init; } = 5e-4;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Fraction of all planned steps spent warming the learning rate up linearly from zero.</summary>
    public double WarmupFraction { get; init; } = 0.06;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double GradientClipNorm { get; init; } = 1.0;
    /// <summary>Epochs without a better validation score before training stops.</summary>
    public int EarlyStoppingPatience { get; init; } = 3;
    /// <summary>Batches per length-bucketing window (examples are sorted by length within a shuffled window).</summary>
    public int BucketWindowBatches { get; init; } = 50;
    public int Seed { get; init; } = 1;
}
