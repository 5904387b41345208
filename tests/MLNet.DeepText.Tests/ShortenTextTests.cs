using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace MLNet.DeepText.Tests;

public sealed class ShortenTextTests
{
    private sealed class Doc
    {
        public string Text { get; set; } = "";
    }

    private sealed class Shortened
    {
        public string Short { get; set; } = "";
    }

    private static string[] Shorten(ShortenTextOptions options, string[] texts, string[]? fitTexts = null)
    {
        var ml = new MLContext(1);
        var fitted = ml.Transforms.Text.ShortenText("Short", "Text", options)
            .Fit(ml.Data.LoadFromEnumerable((fitTexts ?? texts).Select(t => new Doc { Text = t })));
        return fitted.Transform(ml.Data.LoadFromEnumerable(texts.Select(t => new Doc { Text = t })))
            .GetColumn<string>("Short").ToArray();
    }

    [Fact]
    public void Stopwords_are_removed_negations_and_joins_kept()
    {
        var result = Shorten(new ShortenTextOptions(), ["This is NOT the best day, I think. We didn't like it!"]);
        Assert.Equal("NOT best day, think. didn't like!", result[0]);
    }

    [Fact]
    public void Punctuation_is_removed_and_the_words_around_it_stay_apart()
    {
        var result = Shorten(new ShortenTextOptions { RemoveStopWords = false, RemovePunctuation = true }, ["Hello,world! (a test) -- done...", "x"]);
        Assert.Equal("Hello world a test done", result[0]);
        Assert.Equal("x", result[1]);
    }

    [Fact]
    public void Low_frequency_words_are_learned_in_fit_and_unseen_words_removed()
    {
        var train = new[] { "apple banana cherry", "apple banana", "apple durian" };
        var options = new ShortenTextOptions { RemoveStopWords = false, MinWordDocuments = 2 };
        var result = Shorten(options, ["Apple cherry banana mango apple"], train);
        Assert.Equal("Apple banana apple", result[0]);
    }

    [Fact]
    public void Recurring_words_keep_only_their_first_occurrence()
    {
        var result = Shorten(new ShortenTextOptions { RemoveStopWords = false, RemoveRecurringWords = true }, ["red blue Red green blue red."]);
        Assert.Equal("red blue green.", result[0]);
    }

    [Fact]
    public void Custom_stopwords_and_other_languages_from_mlnet_lists()
    {
        var custom = Shorten(new ShortenTextOptions { Language = null, CustomStopWords = ["Ticket", "please"] }, ["Please close this ticket"]);
        Assert.Equal("close this", custom[0]);
        var french = Shorten(new ShortenTextOptions { Language = StopWordsRemovingEstimator.Language.French }, ["un chat est sur la table"]);
        Assert.Equal("chat table", french[0]);
    }

    [Fact]
    public void Every_mlnet_language_has_a_stopword_list()
    {
        foreach (var language in Enum.GetValues<StopWordsRemovingEstimator.Language>())
            Assert.True(new ShortenTextOptions { Language = language }.StopWords().Count() > 20, $"{language}");
    }

    [Fact]
    public void Works_in_front_of_FeaturizeText_with_PredictionEngine_and_after_save_and_load()
    {
        var ml = new MLContext(1);
        var rows = Synthetic.Tickets(300, seed: 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Text.ShortenText("Short", "Text", new ShortenTextOptions { MinWordDocuments = 3, RemovePunctuation = true })
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)))
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Short"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 20));
        var model = pipeline.Fit(data);
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(100, seed: 4));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy > 0.8, $"accuracy {metrics.MicroAccuracy}");

        var engine = ml.Model.CreatePredictionEngine<Ticket, Shortened>(model);
        Assert.Equal("invoice please URGENT", engine.Predict(new Ticket { Text = "The invoice, please: URGENT!! zebra" }).Short);

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, data.Schema, test);
        var path = Path.Combine(Path.GetTempPath(), $"shorten-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            Assert.Equal(model.Transform(test).GetColumn<string>("Short"), loaded.Transform(test).GetColumn<string>("Short"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Bad_input_gives_clear_errors()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(5, seed: 1));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.ShortenText("Short", "Body").Fit(data));
        Assert.Contains("'Body'", missing.Message);
        var notText = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Conversion.MapValueToKey("Key", nameof(Ticket.Queue)).Append(ml.Transforms.Text.ShortenText("Short", "Key")).Fit(data));
        Assert.Contains("must be text", notText.Message);
        var off = Assert.Throws<ArgumentException>(() => ml.Transforms.Text.ShortenText("Short", "Text", removeStopWords: false));
        Assert.Contains("every rule is off", off.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.ShortenText("Short", "Text", minWordDocuments: -1));
        Assert.Contains("MinWordDocuments", negative.Message);
    }
}
