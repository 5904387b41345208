using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Training;

namespace MLNet.DeepText.Tests;

public class EmbeddingTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void Embeddings_feed_an_mlnet_trainer_and_round_trip_through_save_and_load()
    {
        var ml = trained.ML;
        var classifier = trained.Classifier;
        var pipeline = ml.Transforms.Text.DeepTextEmbedding(classifier, "Features", nameof(Ticket.Text))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 30));
        var model = pipeline.Fit(trained.Train);
        var embedding = model.OfType<DeepTextTransformer>().Single();

        // The column is the classifier's pooled vector: same numbers as Embed on the same texts.
        var texts = trained.TestRows.Take(20).Select(r => r.Text).ToArray();
        var scored = model.Transform(trained.Test);
        var column = scored.GetColumn<float[]>("Features").Take(20).ToArray();
        var direct = Predictor.Embed(classifier.Model, texts.Select(t => classifier.Encoder.Encode(t)).ToArray(), 64, classifier.Device);
        Assert.Equal(embedding.EmbeddingSize, column[0].Length);
        for (int i = 0; i < 20; i++)                                                  // batches differ, so float rounding may too
            for (int j = 0; j < column[i].Length; j++) Assert.Equal(direct[i][j], column[i][j], 1e-5);

        var accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        Assert.True(accuracy > 0.8, $"SDCA on the embeddings: accuracy {accuracy}");

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, trained.Train.Schema, trained.Test);
        var before = trained.Scores(trained.Model, trained.Test);
        model.Dispose();                                                              // its own copy of the weights:
        Assert.Equal(before, trained.Scores(trained.Model, trained.Test));           // the classifier scores as before
    }

    [Fact]
    public void An_embedding_transformer_is_not_a_classifier_to_embed_again()
    {
        var ml = trained.ML;
        using var embedding = ml.Transforms.Text.DeepTextEmbedding(trained.Classifier).Fit(trained.Train);
        Assert.Contains("already is an embedding", Assert.Throws<ArgumentException>(() => ml.Transforms.Text.DeepTextEmbedding(embedding)).Message);
        Assert.Contains("'Body'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.DeepTextEmbedding(trained.Classifier, inputColumnName: "Body").Fit(trained.Train)).Message);
    }
}
