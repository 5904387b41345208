using MLNet.DeepText.Training;

namespace MLNet.DeepText.Benchmarks;

/// <summary>Writes each epoch's report to stderr, so a long run can be followed without mixing into the table.</summary>
public sealed class StderrProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => Console.Error.WriteLine(value);
}
