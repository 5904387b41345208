namespace MLNet.DeepText;

/// <summary>
/// A progress report of a training run: sent at the end of every epoch, and within epochs every
/// <c>ProgressEverySteps</c> steps when that option is set.
/// </summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="MaxEpochs">The most epochs the run may take; early stopping usually ends it sooner (see <paramref name="Patience"/>).</param>
/// <param name="StepInEpoch">Optimizer steps taken in this epoch so far.</param>
/// <param name="StepsPerEpoch">Optimizer steps in one epoch.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch so far.</param>
/// <param name="ValidationAccuracy">Validation accuracy at the end of the epoch; null within an epoch (and without validation data).</param>
/// <param name="ValidationLoss">Validation cross-entropy at the end of the epoch; null within an epoch (and without validation data).</param>
/// <param name="TokensPerSecond">Training throughput over the epoch so far (real tokens, padding excluded).</param>
/// <param name="Elapsed">Wall time since training started.</param>
/// <param name="IsBest">At the end of an epoch: its validation score is the best so far, so its weights are the ones kept.</param>
/// <param name="EpochsWithoutImprovement">Epochs since the best one; training stops when it reaches <paramref name="Patience"/>.</param>
/// <param name="Patience">Early stopping's patience (<c>EarlyStoppingPatience</c>).</param>
public sealed record TrainingProgress(
    int Epoch, int MaxEpochs, int StepInEpoch, int StepsPerEpoch, double TrainingLoss, double? ValidationAccuracy, double? ValidationLoss,
    double TokensPerSecond, TimeSpan Elapsed, bool IsBest, int EpochsWithoutImprovement, int Patience)
{
    /// <summary>Whether this report ends an epoch (otherwise it is sent within one).</summary>
    public bool IsEndOfEpoch => StepInEpoch == StepsPerEpoch;

    /// <summary>One line for a console or log, e.g. "epoch 6 of at most 20 (early stopping: patience 3), step 23/23: loss 0.4125, validation accuracy 0.8718 (best so far: kept), 2,864 tokens/s, 350.8 s".</summary>
    public override string ToString() =>
        $"epoch {Epoch} of at most {MaxEpochs} (early stopping: patience {Patience}), step {StepInEpoch}/{StepsPerEpoch}: loss {TrainingLoss:F4}" +
        (ValidationAccuracy is { } a
            ? $", validation accuracy {a:F4} loss {ValidationLoss:F4} " + (IsBest ? "(best so far: kept)" : $"(no better for {EpochsWithoutImprovement} of {Patience} epochs)")
            : "") +
        $", {TokensPerSecond:N0} tokens/s, {Elapsed.TotalSeconds:F1} s";
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
