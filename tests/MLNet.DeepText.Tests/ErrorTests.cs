using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class ErrorTests
{
    private readonly MLContext _ml = new(seed: 1);

    private IDataView Keyed(IEnumerable<Ticket> rows) => Synthetic.Keyed(_ml, rows);

    private DeepTextTrainer<TransformerEncoderOptions> Trainer(Action<TransformerEncoderOptions>? configure = null) =>
        _ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => { o.MaxEpochs = 1; configure?.Invoke(o); }));

    [Fact]
    public void Missing_label_column_is_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(_ml.Data.LoadFromEnumerable(Synthetic.Tickets(20, 1))));
        Assert.Contains("label column 'Label' was not found", e.Message);
        Assert.Contains("MapValueToKey", e.Message);
    }

    [Fact]
    public void Label_that_is_not_a_key_says_to_use_MapValueToKey()
    {
        var data = _ml.Data.LoadFromEnumerable(Synthetic.Tickets(20, 1).Select(t => new { Label = t.Queue, t.Text }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        Assert.Contains("'Label' has type String", e.Message);
        Assert.Contains("MapValueToKey", e.Message);
    }

    [Fact]
    public void Missing_or_non_text_text_column_is_named()
    {
        var data = Keyed(Synthetic.Tickets(20, 1));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer(o => o.TextColumnName = "Body").Fit(data));
        Assert.Contains("text column 'Body' was not found", missing.Message);
        var notText = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer(o => o.TextColumnName = "Label").Fit(data));
        Assert.Contains("text column 'Label' has type", notText.Message);
    }

    [Fact]
    public void Empty_training_data_is_rejected()
    {
        var keys = _ml.Transforms.Conversion.MapValueToKey("Label", "Queue").Fit(_ml.Data.LoadFromEnumerable(Synthetic.Tickets(20, 1)));
        var empty = keys.Transform(_ml.Data.LoadFromEnumerable(new List<Ticket>()));
        var e = Assert.Throws<InvalidOperationException>(() => Trainer().Fit(empty));
        Assert.Contains("no rows with a label", e.Message);
    }

    [Fact]
    public void A_validation_set_with_other_label_keys_is_rejected()
    {
        var train = Keyed(Synthetic.Tickets(40, 1));
        var validation = Keyed(Synthetic.Tickets(40, 2).Where(t => t.Queue != "billing"));   // 3 keys, not 4
        var e = Assert.Throws<ArgumentException>(() => Trainer(o => o.ValidationSet = validation).Fit(train));
        Assert.Equal("ValidationSet", e.ParamName);
        Assert.Contains("same fitted MapValueToKey", e.Message);
    }

    [Fact]
    public void Fewer_than_two_classes_is_rejected()
    {
        var rows = Synthetic.Tickets(30, 1).Select(t => new Ticket { Queue = "billing", Text = t.Text });
        var e = Assert.Throws<InvalidOperationException>(() => Trainer().Fit(Keyed(rows)));
        Assert.Contains("at least two", e.Message);
    }

    [Theory]
    [InlineData("MaxTokens", 0)]
    [InlineData("BatchSize", 0)]
    [InlineData("MaxEpochs", 0)]
    [InlineData("LearningRate", -1.0)]
    [InlineData("LabelSmoothing", 1.0)]
    [InlineData("ValidationFraction", 0.9)]
    [InlineData("Width", 30)]   // not a multiple of the 4 heads
    [InlineData("NumberOfLayers", 0)]
    [InlineData("Dropout", 1.5)]
    [InlineData("MaxVocabularySize", 2)]
    public void Invalid_options_name_the_option_and_the_allowed_range(string option, object value)
    {
        var options = Synthetic.TinyOptions(o => o.NumberOfHeads = 4);
        var property = typeof(TransformerEncoderOptions).GetProperty(option)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.TransformerEncoder(options));
        Assert.Equal(option, e.ParamName);
        Assert.Contains($"Option {option} = ", e.Message);
        Assert.Contains("allowed:", e.Message);
    }

    [Fact]
    public void A_training_time_budget_must_be_positive()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer(o => o.MaxTrainingTime = TimeSpan.Zero));
        Assert.Equal("MaxTrainingTime", e.ParamName);
        Assert.Contains("positive", e.Message);
    }

    [Fact]
    public void A_custom_tokenizer_needs_its_own_name()
    {
        var tokenizer = DeepTextTokenizers.Get(DeepTextTokenizers.Default);
        var e = Assert.Throws<ArgumentException>(() => Trainer(o => o.Tokenizer = tokenizer));
        Assert.Equal("TokenizerName", e.ParamName);
        var unknown = Assert.Throws<ArgumentException>(() => Trainer(o => o.TokenizerName = "no-such-tokenizer"));
        Assert.Contains("no-such-tokenizer", unknown.Message);
    }
}
