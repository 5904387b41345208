using System.Diagnostics;
using MLNet.DeepText.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>
/// The training loop shared by every model family: length-bucketed shuffled batches, AdamW (no decay on biases
/// and norms), linear warm-up then cosine decay or a constant rate, gradient-norm clipping, label smoothing, early stopping on
/// validation accuracy (ties broken by validation loss), restoring the best epoch's weights. Every step runs
/// inside a dispose scope, so native memory stays flat.
/// </summary>
internal sealed class ClassifierTrainer
{
    private readonly TrainingSettings _settings;
    private readonly Device _device;

    /// <summary>Receives a report after every epoch and every <see cref="ProgressEverySteps"/> steps.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Polled before every step; training stops with <see cref="OperationCanceledException"/> when true.</summary>
    public Func<bool>? IsCanceled { get; init; }
    public CancellationToken CancellationToken { get; init; }
    /// <summary>Within-epoch report interval in steps (0: epoch ends only).</summary>
    public int ProgressEverySteps { get; init; }

    public ClassifierTrainer(TrainingSettings settings, Device device)
    {
        _settings = settings;
        _device = device;
    }

    /// <summary>Trains <paramref name="model"/> in place (it must already be on the device) and leaves the best epoch's weights in it.</summary>
    public TrainingSummary Train(TextClassifier model, TokenizedDataset train, TokenizedDataset validation)
    {
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        var s = _settings;
        var rng = new Random(s.Seed);
        int batchesPerEpoch = (train.Count + s.BatchSize - 1) / s.BatchSize;
        int totalSteps = batchesPerEpoch * s.MaxEpochs;
        int warmupSteps = (int)Math.Round(totalSteps * s.WarmupFraction);
        // Decay matrices only: biases and norms (1-D) are not regularised. Frozen parameters are left out.
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
        var trainable = named.Select(p => p.parameter).ToArray();
        using var optimizer = new AdamW(named.Select(p => (p.parameter, p.parameter.dim() >= 2, model.LearningRateScale(p.name))), s.LearningRate, s.WeightDecay);

        using var frozenVectors = FrozenVectors.Remember();   // a frozen encoder's features are computed once, not every epoch
        var clock = Stopwatch.StartNew();
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity, bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, epoch = 0, step = 0, sinceBest = 0;
        bool OutOfTime() => s.MaxTrainingTime is { } budget && clock.Elapsed >= budget;
        try
        {
            for (epoch = 1; epoch <= s.MaxEpochs; epoch++)
            {
                model.train();
                double lossSum = 0; int lossCount = 0, skipped = 0, stepInEpoch = 0; long tokens = 0;
                var epochClock = Stopwatch.StartNew();
                foreach (var batch in LengthBucketBatcher.Batches(train.Sequences, s.BatchSize, s.BucketWindowBatches, rng))
                {
                    ThrowIfCanceled();
                    if (stepInEpoch > 0 && OutOfTime()) break;   // the epoch's steps so far are validated below
                    double lr = LearningRateSchedule.At(s.Decay, step, totalSteps, warmupSteps, s.LearningRate);
                    optimizer.LearningRate = lr;
                    if (TrainStep(model, trainable, optimizer, train, batch) is { } stepLoss) { lossSum += stepLoss; lossCount++; }
                    else skipped++;
                    tokens += batch.Sum(i => (long)train.Sequences[i].Length);
                    step++; stepInEpoch++;
                    if (ProgressEverySteps > 0 && stepInEpoch % ProgressEverySteps == 0 && stepInEpoch < batchesPerEpoch)
                        Progress?.Report(new(epoch, s.MaxEpochs, stepInEpoch, batchesPerEpoch, lossSum / Math.Max(1, lossCount), null, null,
                            tokens / epochClock.Elapsed.TotalSeconds, clock.Elapsed, false, sinceBest, s.EarlyStoppingPatience));
                }
                double tokensPerSecond = tokens / epochClock.Elapsed.TotalSeconds;
                if (lossCount == 0)
                    throw new InvalidOperationException(
                        $"Training diverged: the loss or its gradient was not finite (NaN or infinity) in all {skipped} steps of epoch {epoch}, " +
                        $"so no step was applied. Lower LearningRate (now {s.LearningRate}) or check the inputs (e.g. the word vectors).");

                var (accuracy, loss) = validation.Count > 0 ? Evaluate(model, validation) : (double.NaN, lossSum / lossCount);
                bool isBest = validation.Count > 0
                    ? accuracy > bestAccuracy || (accuracy == bestAccuracy && loss < bestLoss)
                    : loss < bestLoss;
                if (isBest)
                {
                    DisposeAll(best);
                    best = Snapshot(model);
                    bestAccuracy = accuracy; bestLoss = loss; bestEpoch = epoch; sinceBest = 0;
                }
                else sinceBest++;
                Progress?.Report(new(epoch, s.MaxEpochs, batchesPerEpoch, batchesPerEpoch, lossSum / lossCount,
                    validation.Count > 0 ? accuracy : null, validation.Count > 0 ? loss : null, tokensPerSecond, clock.Elapsed, isBest,
                    sinceBest, s.EarlyStoppingPatience));
                if (sinceBest >= s.EarlyStoppingPatience || OutOfTime()) break;
            }
            bool stoppedEarly = epoch < s.MaxEpochs;
            Restore(model, best!);
            bool validated = validation.Count > 0;
            return new TrainingSummary(Math.Min(epoch, s.MaxEpochs), bestEpoch, validated ? bestAccuracy : null, validated ? bestLoss : null,
                step, clock.Elapsed, stoppedEarly);
        }
        finally
        {
            DisposeAll(best);
        }
    }

    /// <summary>
    /// One optimizer step on <paramref name="batch"/>; returns its loss, or null when the loss or the gradient norm is not
    /// finite: then the step is skipped, so one bad batch cannot turn every weight into NaN.
    /// </summary>
    private double? TrainStep(TextClassifier model, Parameter[] trainable, AdamW optimizer, TokenizedDataset data, int[] batch)
    {
        using var native = ProcessExitGate.Enter();
        using var scope = NewDisposeScope();
        var (ids, mask) = Collate.Pad(data.Sequences, batch, _device);
        var target = tensor(batch.Select(i => (long)data.Labels[i]).ToArray(), device: _device);
        optimizer.ZeroGrad();
        var loss = nn.functional.cross_entropy(model.forward(ids, mask), target, label_smoothing: _settings.LabelSmoothing);
        double value = loss.item<float>();
        if (!double.IsFinite(value)) return null;
        loss.backward();
        if (_settings.GradientClipNorm > 0 && !double.IsFinite(nn.utils.clip_grad_norm_(trainable, _settings.GradientClipNorm))) return null;
        optimizer.Step();
        return value;
    }

    /// <summary>Accuracy and mean cross-entropy (no label smoothing) of <paramref name="model"/> on <paramref name="data"/>.</summary>
    public (double Accuracy, double Loss) Evaluate(TextClassifier model, TokenizedDataset data)
    {
        var probabilities = Predictor.PredictProbabilities(model, data.Sequences, _settings.BatchSize * 2, _device);
        int correct = 0; double loss = 0;
        for (int i = 0; i < data.Count; i++)
        {
            var p = probabilities[i];
            int argmax = 0;
            for (int c = 1; c < p.Length; c++) if (p[c] > p[argmax]) argmax = c;
            if (argmax == data.Labels[i]) correct++;
            loss -= Math.Log(Math.Max(p[data.Labels[i]], 1e-15));
        }
        return ((double)correct / data.Count, loss / data.Count);
    }

    private void ThrowIfCanceled()
    {
        CancellationToken.ThrowIfCancellationRequested();
        if (IsCanceled?.Invoke() == true) throw new OperationCanceledException("Training was canceled.");
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var scope = NewDisposeScope();   // disposes the detach() handles; the clones are moved out
        var copy = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict())
            copy[name] = t.detach().clone().DetachFromDisposeScope();
        return copy;
    }

    private static void Restore(nn.Module model, Dictionary<string, Tensor> snapshot)
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) t.copy_(snapshot[name]);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }
}
