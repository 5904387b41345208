using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>Fine-tunes a pretrained BERT-family encoder (all-MiniLM-L6-v2 by default) with a new classification head.</summary>
public sealed class PretrainedTransformerTrainer : DeepTextTrainer<PretrainedTransformerOptions>
{
    private readonly Lazy<BertResources> _encoder;

    internal PretrainedTransformerTrainer(IHostEnvironment env, PretrainedTransformerOptions options) : base(env, options)
    {
        _encoder = new(() => options.EncoderForTests ?? (options.EncoderFile is null ? BertResources.MiniLM() : BertResources.FromFile(options.EncoderFile)));
    }

    /// <summary>[CLS] and [SEP] take two of the MaxTokens positions.</summary>
    private protected override int DocumentTokens => Options.MaxTokens - 2;

    /// <summary>The whole WordPiece vocabulary, in order: every word keeps its pretrained vector, seen in training or not.</summary>
    private protected override void LearnVocabulary(TextEncoder encoder, IReadOnlyList<int[]> trainTokens, PretrainedVectors? pretrained) =>
        encoder.UseVocabulary(_encoder.Value.WholeVocabulary());

    private protected override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? pretrained)
    {
        var config = _encoder.Value.Config;
        if (config.NumHeads is null)
            throw new InvalidDataException($"The number of attention heads of '{Options.EncoderFile}' could not be read from its graph.");
        if (Options.MaxTokens > config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(Options.MaxTokens), Options.MaxTokens, $"The encoder reads at most {config.MaxPositions} tokens.");
        return new PretrainedTransformerSpec(vocabularySize, numberOfClasses, config, Options.Pooling, Options.Dropout,
            Options.HeadLearningRate / Options.LearningRate, Options.FreezeEncoder);
    }

    private protected override void InitializeModel(TextClassifier model, Action<string> log)
    {
        ((PretrainedTransformerClassifier)model).Bert.LoadWeights(_encoder.Value.Weights);
        var c = _encoder.Value.Config;
        log($"Pretrained encoder {(Options.EncoderFile ?? PretrainedTokenizers.MiniLM)}: {c.NumLayers} layers, width {c.HiddenSize}, {c.NumHeads} heads, " +
            $"{c.VocabSize:N0} WordPiece tokens{(Options.FreezeEncoder ? ", frozen" : "")}.");
    }
}

/// <summary>The pretrained-encoder trainer on ML.NET's multiclass catalog.</summary>
public static class PretrainedTransformerCatalog
{
    /// <summary>
    /// Fine-tunes all-MiniLM-L6-v2 (a 6-layer BERT-family encoder, 22M parameters, shipped in a NuGet package: nothing is
    /// downloaded) with a new linear head over a text column. Knows English before it sees your data, so it needs far
    /// fewer labelled rows than the models trained from scratch. The label must be a key (use <c>MapValueToKey</c>);
    /// outputs <c>PredictedLabel</c> and <c>Score</c>. Saved models hold the fine-tuned weights.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="textColumnName">Text column.</param>
    /// <param name="maxEpochs">Upper bound on epochs (early stopping on a validation split usually ends sooner).</param>
    /// <param name="freezeEncoder">Train only the head (fast, features only).</param>
    public static PretrainedTransformerTrainer PretrainedTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        int maxEpochs = 10,
        bool freezeEncoder = false) =>
        catalog.PretrainedTransformer(new PretrainedTransformerOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            MaxEpochs = maxEpochs,
            FreezeEncoder = freezeEncoder,
        });

    /// <summary>The pretrained-encoder classifier configured by <paramref name="options"/>.</summary>
    public static PretrainedTransformerTrainer PretrainedTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, PretrainedTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new PretrainedTransformerTrainer(MlNetBridge.GetEnvironment(catalog), options);
    }
}
