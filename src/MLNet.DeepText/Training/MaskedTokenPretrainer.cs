using MLNet.DeepText.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>
/// Pretrains a long-document model's chunk encoder with <see cref="MaskedTokenObjective"/> on the chunks of the
/// training documents (each document cut as the model cuts it; in head+tail mode the document is one chunk):
/// shuffled batches of chunks, AdamW without decay on biases and norms, linear warm-up + cosine decay, gradient-norm
/// clipping; every step in its own dispose scope. The objective's output maps are discarded afterwards.
/// </summary>
internal sealed class MaskedTokenPretrainer(TrainingSettings settings, Device device)
{
    /// <summary>Chunks per step: twice the classification batch size.</summary>
    public int ChunksPerStep { get; init; } = settings.BatchSize * 2;
    public Func<bool>? IsCanceled { get; init; }
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Runs <paramref name="epochs"/> epochs over the chunks of <paramref name="documents"/>; returns each epoch's mean masked-token loss.</summary>
    public IReadOnlyList<double> Pretrain(LongDocument model, LongDocumentSpec spec, IReadOnlyList<long[]> documents, int epochs,
        Action<string>? log = null)
    {
        var chunks = Chunks(spec, documents);
        if (chunks.Count == 0 || epochs <= 0) return [];
        var encoder = (CompactTransformer)model.ChunkEncoder;   // options reject pretraining a pretrained chunk encoder
        using var objective = TorchRandom.Build(settings.Seed, () => new MaskedTokenObjective(spec.ChunkSpec));
        objective.to(device);
        var trainable = encoder.parameters().Where(p => p.requires_grad).Concat(objective.parameters()).ToArray();
        using var optimizer = new AdamW(trainable.Select(p => (p, p.dim() >= 2)), settings.LearningRate, settings.WeightDecay);
        var rng = new Random(settings.Seed);
        int stepsPerEpoch = (chunks.Count + ChunksPerStep - 1) / ChunksPerStep, totalSteps = stepsPerEpoch * epochs, step = 0;
        var order = Enumerable.Range(0, chunks.Count).ToArray();
        var losses = new List<double>();
        model.train();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle(order);
            double sum = 0; int counted = 0;
            for (int start = 0; start < order.Length; start += ChunksPerStep, step++)
            {
                CancellationToken.ThrowIfCancellationRequested();
                if (IsCanceled?.Invoke() == true) throw new OperationCanceledException("Training was canceled.");
                optimizer.LearningRate = LearningRateSchedule.At(settings.Decay, step, totalSteps, (int)Math.Round(totalSteps * settings.WarmupFraction), settings.LearningRate);
                using var native = ProcessExitGate.Enter();
                using var scope = NewDisposeScope();
                var (ids, mask) = Collate.Pad(chunks, order[start..Math.Min(start + ChunksPerStep, order.Length)], device);
                optimizer.ZeroGrad();
                var loss = objective.Loss(encoder, ids, mask);
                if (loss is null) continue;
                loss.backward();
                if (settings.GradientClipNorm > 0) nn.utils.clip_grad_norm_(trainable, settings.GradientClipNorm);
                optimizer.Step();
                sum += loss.item<float>();
                counted++;
            }
            losses.Add(sum / Math.Max(1, counted));
            log?.Invoke($"masked-token pretraining epoch {epoch}/{epochs}: loss {losses[^1]:F4} ({chunks.Count:N0} chunks)");
        }
        return losses;
    }

    /// <summary>The chunks the model reads of each document (those that add real tokens), unpadded.</summary>
    internal static List<long[]> Chunks(LongDocumentSpec spec, IReadOnlyList<long[]> documents)
    {
        if (spec.Mode == LongDocumentMode.HeadTail) return documents.Where(d => d.Length > 0).ToList();
        var chunks = new List<long[]>();
        foreach (var document in documents)
            for (int start = 0; start == 0 || start + spec.ChunkOverlap < document.Length; start += spec.ChunkStride)
                chunks.Add(document[start..Math.Min(document.Length, start + spec.ChunkTokens)]);
        return chunks;
    }
}
