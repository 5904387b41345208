using Microsoft.ML;

namespace MLNet.DeepText.Tests;

/// <summary>
/// A task only word order can solve: every text holds the same two marker words among random filler, and the label
/// says which marker comes first. Every class has the same bag of words, so a bag-of-words model stays at chance (0.5).
/// </summary>
public class WordOrderTests
{
    private static List<Ticket> Rows(int count, int seed)
    {
        string[] filler = "the a my your please help hello thanks team today order item customer still again now".Split(' ');
        var rng = new Random(seed);
        var rows = new List<Ticket>(count);
        List<string> Filler(int min, int max) => Enumerable.Range(0, rng.Next(min, max + 1)).Select(_ => filler[rng.Next(filler.Length)]).ToList();
        for (int i = 0; i < count; i++)
        {
            // Filler before, between and after the markers (1–3 words each), drawn the same way for both classes, so
            // word pairs and character n-grams carry no order signal either.
            bool alphaFirst = rng.Next(2) == 0;
            var words = Filler(1, 3).Append(alphaFirst ? "alpha" : "omega").Concat(Filler(1, 3)).Append(alphaFirst ? "omega" : "alpha").Concat(Filler(1, 3));
            rows.Add(new Ticket { Queue = alphaFirst ? "alpha-first" : "omega-first", Text = string.Join(' ', words) });
        }
        return rows;
    }

    private static double Accuracy(MLContext ml, IEstimator<ITransformer> pipeline)
    {
        var train = ml.Data.LoadFromEnumerable(Rows(800, seed: 1));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(Rows(300, seed: 2))));
        (model as IDisposable)?.Dispose();
        return metrics.MicroAccuracy;
    }

    [Theory]
    [InlineData("TransformerEncoder")]
    [InlineData("CompactTransformer")]
    [InlineData("Staircase")]
    public void Attention_models_learn_word_order(string family)
    {
        var ml = new MLContext(seed: 1);
        double accuracy = Accuracy(ml, Synthetic.TinyFamily(ml, family, o => { o.MaxEpochs = 15; o.EarlyStoppingPatience = 4; o.LearningRate = 3e-3; }));
        Assert.True(accuracy > 0.85, $"{family}: accuracy {accuracy:F3} (chance 0.5)");
    }

    [Fact]
    public void Bag_of_words_stays_at_chance()
    {
        var ml = new MLContext(seed: 1);
        double accuracy = Accuracy(ml, ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
            .Append(ml.Transforms.Text.FeaturizeText("Features", nameof(Ticket.Text)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()));
        Assert.InRange(accuracy, 0.4, 0.6);
    }
}
