using MLNet.DeepText;
using Spectre.Console;

/// <summary>
/// A comparison's progress for the samples: a live bar per candidate (Spectre.Console) with its fold, epoch, step,
/// loss and validation accuracy when the output is a terminal; one line per finished epoch and fold when it is a file
/// or a pipe (where redrawn bars would repeat).
/// </summary>
sealed class LiveProgress
{
    private readonly Dictionary<string, ProgressTask> _bars;
    private readonly int _folds;

    private LiveProgress(Dictionary<string, ProgressTask> bars, int folds) => (_bars, _folds) = (bars, folds);

    /// <summary>Runs <paramref name="work"/> with a bar for each of <paramref name="candidates"/> (compared on <paramref name="folds"/> folds).</summary>
    public static T Run<T>(IEnumerable<string> candidates, int folds, Func<LiveProgress, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(new LiveProgress([], folds));
        T result = default!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var bars = candidates.ToDictionary(c => c, c => context.AddTask(c, autoStart: false, maxValue: folds));
                result = work(new LiveProgress(bars, folds));
                foreach (var bar in bars.Values.Where(b => !b.IsFinished)) { bar.Description += " (not run)"; bar.StopTask(); }
            });
        return result;
    }

    /// <summary>For <c>ModelComparisonOptions.Progress</c>: a candidate's folds.</summary>
    public IProgress<ComparisonProgress> Folds => new Sync<ComparisonProgress>(p =>
    {
        string text = p.Finished
            ? $"{p.Candidate}: {(p.MicroAccuracy is { } a ? $"accuracy {a:P1}" : "failed")}{(p.Folds > 1 ? $" on fold {p.Fold + 1} of {p.Folds}" : " on the held-out rows")}"
            : $"{p.Candidate}: fold {p.Fold + 1} of {p.Folds}, training";
        if (!_bars.TryGetValue(p.Candidate, out var bar)) { if (p.Finished) Console.WriteLine($"  {text}"); return; }
        if (!bar.IsStarted) bar.StartTask();
        bar.Description = Markup.Escape(text);
        if (p.Finished) bar.Value = p.Fold + 1;
        if (p.Finished && p.Fold + 1 == p.Folds) bar.StopTask();
    });

    /// <summary>For a DeepText candidate's <c>Progress</c> (set <c>ProgressEverySteps</c> too): its epochs and steps.</summary>
    public IProgress<TrainingProgress> Epochs(string candidate) => new Sync<TrainingProgress>(p =>
    {
        string text = $"{candidate}: epoch {p.Epoch} of at most {p.MaxEpochs}, step {p.StepInEpoch}/{p.StepsPerEpoch}, loss {p.TrainingLoss:F3}" +
            (p.ValidationAccuracy is { } a ? $", validation accuracy {a:P1}{(p.IsBest ? " (best so far)" : $" (no better for {p.EpochsWithoutImprovement} of {p.Patience})")}" : "");
        if (!_bars.TryGetValue(candidate, out var bar)) { if (p.IsEndOfEpoch) Console.WriteLine($"  {text}"); return; }
        bar.Description = Markup.Escape(text);
        // Within the current fold: the share of the most epochs it may take (early stopping usually ends it sooner).
        bar.Value = Math.Floor(bar.Value) + Math.Min(0.99, (p.Epoch - 1 + (double)p.StepInEpoch / p.StepsPerEpoch) / p.MaxEpochs);
    });

    /// <summary>Reports on the caller's thread (System.Progress would post to the thread pool, out of order).</summary>
    private sealed class Sync<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
