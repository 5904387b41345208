using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained.Models;

namespace MLNet.DeepText.Pretrained;

/// <summary>
/// A BERT-family encoder read from an ONNX file (the built-in all-MiniLM-L6-v2 when no file is given) with its WordPiece
/// vocabulary, for every family that reads with it. The weights are read once, when first needed.
/// </summary>
/// <param name="EncoderFile">The ONNX file; null: the built-in all-MiniLM-L6-v2.</param>
/// <param name="VocabularyFile">Its vocab.txt (given together with <paramref name="EncoderFile"/>).</param>
/// <param name="Given">For tests: the weights themselves (e.g. a tiny random encoder).</param>
internal sealed class BertEncoderSource(string? EncoderFile, string? VocabularyFile, BertResources? Given = null) : PretrainedEncoderSource
{
    private BertResources? _resources;

    public string? File => EncoderFile;
    public string? VocabularyFileName => VocabularyFile;

    public BertResources Resources => _resources ??= Given ?? (EncoderFile is null ? BertResources.MiniLM() : BertResources.FromFile(EncoderFile));

    private string? _tokenizerName;

    /// <summary>MiniLM's, or the vocabulary file's (registered under a name derived from its content, which models carry).</summary>
    public override string TokenizerName =>
        _tokenizerName ??= VocabularyFile is null ? PretrainedTokenizers.MiniLM : PretrainedTokenizers.ForVocabularyFile(VocabularyFile);

    public override string Description
    {
        get
        {
            var c = Resources.Config;
            return $"{EncoderFile ?? PretrainedTokenizers.MiniLM}: {c.NumLayers} layers, width {c.HiddenSize}, {c.NumHeads} heads, {c.VocabSize:N0} WordPiece tokens";
        }
    }

    /// <summary>[CLS] and [SEP] take two of the encoder's positions.</summary>
    public override int MaxTokens => Resources.Config.MaxPositions - 2;

    public override MLNet.DeepText.Text.Vocabulary Vocabulary() => Resources.WholeVocabulary();

    public override EncoderSpec CreateSpec(int vocabularySize, double dropout)
    {
        var config = Resources.Config;
        if (config.NumHeads is null)
            throw new InvalidDataException($"The number of attention heads of '{EncoderFile}' could not be read from its graph.");
        if (FineTunedLayers < 0 || FineTunedLayers > config.NumLayers)
            throw new ArgumentOutOfRangeException("fineTunedLayers", FineTunedLayers, $"The encoder {EncoderFile ?? PretrainedTokenizers.MiniLM} has {config.NumLayers} layers: fine-tune 0 to {config.NumLayers} of them.");
        return new PretrainedTransformerSpec(vocabularySize, config, dropout);
    }

    public override void LoadWeights(Encoder encoder) => ((PretrainedTransformer)encoder).Bert.LoadWeights(Resources.Weights);
}
