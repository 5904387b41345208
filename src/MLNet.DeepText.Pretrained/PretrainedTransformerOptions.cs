using MLNet.DeepText.Pretrained;

namespace MLNet.DeepText;

/// <summary>How the encoder's token states become one document vector.</summary>
public enum PretrainedPooling
{
    /// <summary>Mean over the real tokens, [CLS] and [SEP] included (as sentence-transformers pools all-MiniLM-L6-v2).</summary>
    Mean,
    /// <summary>The [CLS] token's state (as BERT's classifiers and snowflake-arctic-embed do).</summary>
    ClassToken,
}

/// <summary>
/// Options of the pretrained-encoder classifier: a BERT-family encoder that already knows English (all-MiniLM-L6-v2,
/// shipped in a NuGet package, by default) fine-tuned with a new linear head. The defaults follow common fine-tuning
/// practice (small encoder learning rate, faster head, warm-up, few epochs with early stopping) and are sized so that a
/// few thousand short texts train in minutes on a laptop CPU.
/// </summary>
public sealed class PretrainedTransformerOptions : DeepTextOptions
{
    /// <summary>A BERT-family encoder exported to ONNX (float32, weights inside the file); null: the built-in all-MiniLM-L6-v2.</summary>
    public string? EncoderFile { get; set; }
    /// <summary>The WordPiece vocab.txt that goes with <see cref="EncoderFile"/> (uncased vocabularies are lower-cased and stripped of accents).</summary>
    public string? EncoderVocabularyFile { get; set; }
    /// <summary>Keep the encoder's weights as they are and train only the head: much faster, usually less accurate. Default false.</summary>
    public bool FreezeEncoder { get; set; }
    /// <summary>Mean over the tokens (sentence-transformers' choice for MiniLM) or the [CLS] token. Default mean.</summary>
    public PretrainedPooling Pooling { get; set; } = PretrainedPooling.Mean;
    /// <summary>Learning rate of the new head, in (0, 1]; <see cref="DeepTextOptions.LearningRate"/> is the encoder's. Default 1e-3.</summary>
    public double HeadLearningRate { get; set; } = 1e-3;
    /// <summary>Dropout in the encoder and before the head, in [0, 1). Default 0.1 (BERT's).</summary>
    public double Dropout { get; set; } = 0.1;

    /// <summary>The defaults of fine-tuning: encoder learning rate 5e-5, 128 tokens ([CLS] and [SEP] included), batch 16, up to 10 epochs, patience 3, 10% warm-up, no label smoothing, the whole WordPiece vocabulary.</summary>
    public PretrainedTransformerOptions()
    {
        LearningRate = 5e-5;
        MaxTokens = 128;
        BatchSize = 16;
        MaxEpochs = 10;
        EarlyStoppingPatience = 3;
        WarmupFraction = 0.1;
        LabelSmoothing = 0;
        TokenizerName = PretrainedTokenizers.MiniLM;
    }

    /// <summary>For tests: an encoder given directly (e.g. a tiny randomly initialised one), instead of a file.</summary>
    internal BertResources? EncoderForTests { get; set; }

    /// <inheritdoc />
    /// <remarks>With <see cref="EncoderVocabularyFile"/>, sets <see cref="DeepTextOptions.TokenizerName"/> to that file's tokenizer.</remarks>
    public override void Validate()
    {
        if (EncoderVocabularyFile is not null) TokenizerName = PretrainedTokenizers.ForVocabularyFile(EncoderVocabularyFile);
        if (EncoderFile is not null || EncoderVocabularyFile is not null)
        {
            if (EncoderFile is null || EncoderVocabularyFile is null)
                throw new ArgumentException("EncoderFile and EncoderVocabularyFile go together: give both (or neither, for the built-in all-MiniLM-L6-v2).",
                    EncoderFile is null ? nameof(EncoderFile) : nameof(EncoderVocabularyFile));
            foreach (var (file, name) in new[] { (EncoderFile, nameof(EncoderFile)), (EncoderVocabularyFile, nameof(EncoderVocabularyFile)) })
                if (!File.Exists(file)) throw new ArgumentException($"Option {name}: the file '{file}' does not exist.", name);
        }
        base.Validate();
        Range(nameof(MaxTokens), MaxTokens, 3, 512);
        if (!(HeadLearningRate > 0 && HeadLearningRate <= 1)) Fail(nameof(HeadLearningRate), HeadLearningRate, "(0, 1]");
        Probability(nameof(Dropout), Dropout);
        if (!Enum.IsDefined(Pooling)) Fail(nameof(Pooling), Pooling, $"one of {string.Join(", ", Enum.GetNames<PretrainedPooling>())}");
    }
}
