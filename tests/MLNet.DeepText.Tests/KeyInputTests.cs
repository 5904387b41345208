using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class KeyInputTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void Trainers_read_token_keys_from_mlnet_text_transforms()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(600, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 2));
        var pipeline = ml.Transforms.Text.NormalizeText("Normalized", nameof(Ticket.Text))
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Normalized"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)))
            .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.TextColumnName = "Tokens")));
        var model = pipeline.Fit(train);
        var classifier = model.LastTransformer;
        Assert.True(classifier.InputIsKeys);
        var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.8, $"accuracy {accuracy}");

        // One row at a time through a PredictionEngine agrees with the batched Transform.
        var engine = ml.Model.CreatePredictionEngine<Ticket, TicketPrediction>(model);
        var batched = model.Transform(test).GetColumn<float[]>("Score").Take(5).ToArray();
        var rows = Synthetic.Tickets(200, seed: 2).Take(5).ToArray();
        for (int i = 0; i < 5; i++)
            Assert.Equal(batched[i], engine.Predict(rows[i]).Score, (a, b) => Math.Abs(a - b) < 1e-5);

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, train.Schema, test);
        Assert.Throws<InvalidOperationException>(() => classifier.PredictProbabilities(["invoice"]));
        model.Dispose();
    }

    [Fact]
    public void A_text_model_refuses_a_key_column_and_other_types_are_named()
    {
        var ml = trained.ML;
        var keyed = ml.Transforms.Text.TokenizeIntoWords(nameof(Ticket.Text))
            .Append(ml.Transforms.Conversion.MapValueToKey(nameof(Ticket.Text)))
            .Fit(trained.Test).Transform(trained.Test);
        var wrongKind = Assert.Throws<ArgumentOutOfRangeException>(() => trained.Classifier.GetOutputSchema(keyed.Schema));
        Assert.Contains("trained on text", wrongKind.Message);

        var words = ml.Transforms.Text.TokenizeIntoWords("Words", nameof(Ticket.Text))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)))
            .Fit(trained.Train).Transform(trained.Train);
        var notKeys = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.TextColumnName = "Words")).Fit(words));
        Assert.Contains("vector of UInt32 keys", notKeys.Message);
    }
}
