namespace MLNet.DeepText;

/// <summary>A progress report of a training run: sent after every epoch (and every <c>ProgressEverySteps</c> steps).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps taken so far.</param>
/// <param name="TotalSteps">Steps planned for <c>MaxEpochs</c> epochs (early stopping may end sooner).</param>
/// <param name="TrainingLoss">Mean training loss over the epoch so far.</param>
/// <param name="ValidationAccuracy">Validation accuracy at the end of the epoch; null within an epoch.</param>
/// <param name="ValidationLoss">Validation cross-entropy at the end of the epoch; null within an epoch.</param>
/// <param name="TokensPerSecond">Training throughput over the epoch so far (real tokens, padding excluded).</param>
/// <param name="Elapsed">Wall time since training started.</param>
/// <param name="IsBest">True when this epoch's validation score is the best so far (its weights are kept).</param>
public sealed record TrainingProgress(
    int Epoch, int Step, int TotalSteps, double TrainingLoss, double? ValidationAccuracy, double? ValidationLoss,
    double TokensPerSecond, TimeSpan Elapsed, bool IsBest)
{
    /// <summary>One line for a console or log.</summary>
    public override string ToString() =>
        $"epoch {Epoch} step {Step}/{TotalSteps} loss {TrainingLoss:F4}" +
        (ValidationAccuracy is { } a ? $" val-acc {a:F4} val-loss {ValidationLoss:F4}{(IsBest ? " *" : "")}" : "") +
        $" {TokensPerSecond:F0} tok/s {Elapsed.TotalSeconds:F1}s";
}

/// <summary>What a training run did.</summary>
/// <param name="EpochsRun">Epochs trained (early stopping may end before <c>MaxEpochs</c>).</param>
/// <param name="BestEpoch">The epoch whose weights the model keeps.</param>
/// <param name="BestValidationAccuracy">Validation accuracy of the kept epoch; null when there was no validation data
/// (<c>ValidationFraction = 0</c>, or too few rows to hold any out), in which case the epoch with the lowest training loss is kept.</param>
/// <param name="BestValidationLoss">Validation cross-entropy of the kept epoch; null when there was no validation data.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="Elapsed">Wall time of the training loop.</param>
/// <param name="StoppedEarly">True when early stopping ended training before <c>MaxEpochs</c>.</param>
public sealed record TrainingSummary(int EpochsRun, int BestEpoch, double? BestValidationAccuracy, double? BestValidationLoss,
    int Steps, TimeSpan Elapsed, bool StoppedEarly);
