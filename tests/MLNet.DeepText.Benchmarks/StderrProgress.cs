using MLNet.DeepText.Training;

namespace MLNet.DeepText.Benchmarks;

/// <summary>Writes each epoch's report to stderr, so a long run can be followed without mixing into the table; keeps the last one.</summary>
public sealed class StderrProgress : IProgress<TrainingProgress>
{
    public TrainingProgress? Last { get; private set; }

    public void Report(TrainingProgress value)
    {
        Last = value;
        Console.Error.WriteLine(value);
    }
}
