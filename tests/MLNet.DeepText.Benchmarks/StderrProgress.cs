using MLNet.DeepText.Training;

namespace MLNet.DeepText.Benchmarks;

/// <summary>
/// Writes each epoch's report to stderr, with the process's working set and its peak so far (so memory growth across
/// epochs shows), without mixing into the table; keeps the last one.
/// </summary>
public sealed class StderrProgress : IProgress<TrainingProgress>
{
    public TrainingProgress? Last { get; private set; }

    public void Report(TrainingProgress value)
    {
        Last = value;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        Console.Error.WriteLine($"{value} working set {process.WorkingSet64 >> 20} MiB (peak {process.PeakWorkingSet64 >> 20})");
    }
}
