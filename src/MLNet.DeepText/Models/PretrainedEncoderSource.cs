using MLNet.DeepText.Text;

namespace MLNet.DeepText.Models;

/// <summary>
/// A pretrained encoder that another package provides (the pretrained package's BERT-family encoders), for a family
/// that reads with it (LongDocument's chunk encoder): its tokenizer, vocabulary, architecture and weights.
/// </summary>
internal abstract class PretrainedEncoderSource
{
    /// <summary>The registered name of the encoder's tokenizer.</summary>
    public abstract string TokenizerName { get; }

    /// <summary>What the encoder is, for logs and messages (e.g. "all-MiniLM-L6-v2").</summary>
    public abstract string Description { get; }

    /// <summary>Top layers that keep learning (0: the encoder is frozen, a fixed feature extractor).</summary>
    public int FineTunedLayers { get; init; }

    /// <summary>The most tokens the encoder reads in one pass, its own special tokens excluded.</summary>
    public abstract int MaxTokens { get; }

    /// <summary>The text encoder's vocabulary: the encoder's whole vocabulary, in its order.</summary>
    public abstract Vocabulary Vocabulary();

    /// <summary>The encoder's architecture over <paramref name="vocabularySize"/> model ids, with <paramref name="dropout"/> inside (checks <see cref="FineTunedLayers"/> against its layers).</summary>
    public abstract EncoderSpec CreateSpec(int vocabularySize, double dropout);

    /// <summary>Copies the pretrained weights into <paramref name="encoder"/>, built from <see cref="CreateSpec"/>.</summary>
    public abstract void LoadWeights(Encoder encoder);
}
