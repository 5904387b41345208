using MLNet.DeepText.Models;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>Batched inference: class probabilities for token sequences.</summary>
internal static class Predictor
{
    /// <summary>
    /// Softmax probabilities for every sequence, in input order. Sequences are grouped by length into batches of
    /// <paramref name="batchSize"/> so little padding is computed; one forward pass per batch, in eval mode.
    /// </summary>
    public static float[][] PredictProbabilities(TextClassifier model, IReadOnlyList<long[]> sequences, int batchSize, Device device) =>
        Run(model, sequences, batchSize, device, (ids, mask) => model.forward(ids, mask).softmax(-1));

    /// <summary>The pooled document vectors (<see cref="TextClassifier.Embed"/>) of every sequence, in input order, batched like <see cref="PredictProbabilities"/>.</summary>
    public static float[][] Embed(TextClassifier model, IReadOnlyList<long[]> sequences, int batchSize, Device device) =>
        Run(model, sequences, batchSize, device, model.Embed);

    /// <summary>Any [B, n] output of the model for every sequence, in input order, batched by length in eval mode.</summary>
    public static float[][] Run(TextClassifier model, IReadOnlyList<long[]> sequences, int batchSize, Device device, Func<Tensor, Tensor, Tensor> output)
    {
        var result = new float[sequences.Count][];
        if (sequences.Count == 0) return result;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            foreach (var batch in LengthBucketBatcher.SortedBatches(sequences, batchSize))
            {
                using var native = ProcessExitGate.Enter();
                using var scope = NewDisposeScope();
                var (ids, mask) = Collate.Pad(sequences, batch, device);
                var values = output(ids, mask).to(float32).cpu();
                int width = (int)values.shape[1];
                var flat = values.data<float>().ToArray();
                for (int b = 0; b < batch.Length; b++)
                    result[batch[b]] = flat.AsSpan(b * width, width).ToArray();
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return result;
    }
}
