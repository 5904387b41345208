using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

/// <summary>Pretrained word vectors (a file, or MiniLM's token table) in every family trained from scratch.</summary>
public class WordVectorTests
{
    private static DeepTextOptions Options(string family, Action<DeepTextOptions>? configure = null)
    {
        var options = Synthetic.Tiny(family);
        (options.MaxEpochs, options.EarlyStoppingPatience, options.LearningRate) = (10, 3, 3e-3);
        configure?.Invoke(options);
        return options;
    }

    [Theory]
    [MemberData(nameof(Synthetic.Families), MemberType = typeof(Synthetic))]
    public void Vectors_from_a_file_carry_meaning_to_words_never_seen_in_training(string family)
    {
        // Training tickets use only the first three keywords of each class; test tickets only the last three.
        // Without vectors the test keywords are unknown tokens (near chance); with frozen vectors that place each
        // class's keywords in the same direction, the model generalises to them. The file's 16 dimensions are not the
        // tiny models' width (32): the Transformer and the staircase learn a projection, the others a convolution.
        var file = WriteVectorFile(out var classDirection);
        try
        {
            var ml = new MLContext(seed: 1);
            var trainRows = ml.Data.LoadFromEnumerable(KeywordTickets(400, seed: 1, testKeywords: false));
            var keys = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(trainRows);
            var train = keys.Transform(trainRows);
            var test = keys.Transform(ml.Data.LoadFromEnumerable(KeywordTickets(200, seed: 2, testKeywords: true)));
            DeepTextTransformer Fit(DeepTextOptions options) => (DeepTextTransformer)Synthetic.Trainer(ml, options).Fit(train);
            double Accuracy(DeepTextTransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

            using var plain = Fit(Options(family));
            using var withVectors = Fit(Options(family, o => { o.WordVectorFile = file; o.FreezeWordVectors = true; }));
            double without = Accuracy(plain), with = Accuracy(withVectors);
            Assert.True(with > 0.8, $"with vectors {with:F3}, without {without:F3}");
            Assert.True(with > without + 0.3, $"with vectors {with:F3}, without {without:F3}");

            // Frozen rows hold exactly the file's vectors.
            long id = withVectors.Encoder.Encode(" " + TestKeywords[0][0])[0];
            Assert.NotEqual(Text.Vocabulary.Unknown, id);
            Assert.Equal(classDirection[0], withVectors.Model.Encoder.WordVectors![id].data<float>().ToArray());
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void MiniLM_vectors_start_a_model_trained_from_scratch_and_the_model_loads_in_a_fresh_process()
    {
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(120, seed: 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Options("TransformerEncoder", o => (o.MaxEpochs, o.FreezeWordVectors) = (2, true)).UseMiniLMWordVectors();
        using var model = (IDisposable)ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Append(Synthetic.Trainer(ml, options)).Fit(data);
        var classifier = ((IEnumerable<ITransformer>)model).OfType<DeepTextTransformer>().Single();

        // The WordPiece tokenizer reads the text, and each kept token's row is MiniLM's row for it (frozen: unchanged).
        var miniLM = Pretrained.BertResources.MiniLM().Weights["embeddings.word_embeddings.weight"];
        var tokenizer = DeepTextTokenizers.Get("all-MiniLM-L6-v2");
        int help = tokenizer.EncodeToIds("help").Single();
        long row = classifier.Encoder.Encode("help")[0];
        Assert.Equal(miniLM.Data.AsSpan(help * 384, 384).ToArray(), classifier.Model.Encoder.WordVectors![row].data<float>().ToArray());
        Assert.Equal(384, classifier.Model.Encoder.WordVectors!.shape[1]);

        Assert.Equal(((ITransformer)model).Transform(data).GetColumn<float[]>("Score").ToArray(), Child.Scores((ITransformer)model, data.Schema, rows));
    }

    [Fact]
    public void The_pretrained_encoder_takes_no_word_vectors()
    {
        var options = new PretrainedTransformerOptions().UseMiniLMWordVectors();
        Assert.Equal("WordVectorFile", Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    internal static readonly string[][] TrainKeywords = [["invoice", "refund", "payment"], ["parcel", "delivery", "tracking"], ["crash", "error", "install"], ["password", "login", "profile"]];
    internal static readonly string[][] TestKeywords = [["receipt", "charge", "bill"], ["courier", "shipment", "package"], ["bug", "update", "freeze"], ["username", "account", "email"]];

    internal static List<Ticket> KeywordTickets(int count, int seed, bool testKeywords)
    {
        var rng = new Random(seed);
        var filler = "the a my your please help hello thanks team today again still now very urgent issue problem need want".Split(' ');
        var keywords = testKeywords ? TestKeywords : TrainKeywords;
        return Enumerable.Range(0, count).Select(_ =>
        {
            int c = rng.Next(4);
            var words = Enumerable.Range(0, rng.Next(4, 9)).Select(_ => filler[rng.Next(filler.Length)]).ToList();
            words.Insert(rng.Next(words.Count + 1), keywords[c][rng.Next(3)]);
            return new Ticket { Queue = Synthetic.Queues[c], Text = string.Join(' ', words) };
        }).ToList();
    }

    /// <summary>16-d vectors: class c's keywords are 2·e_c plus small noise (the first test keyword exactly 2·e_c), filler words random small.</summary>
    internal static string WriteVectorFile(out float[][] firstTestKeywordVector)
    {
        var rng = new Random(5);
        var lines = new List<string>();
        firstTestKeywordVector = new float[4][];
        string Line(string word, float[] v) => word + " " + string.Join(' ', v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        for (int c = 0; c < 4; c++)
            foreach (var word in TrainKeywords[c].Concat(TestKeywords[c]))
            {
                var v = Enumerable.Range(0, 16).Select(i => (i == c ? 2f : 0f) + (word == TestKeywords[c][0] ? 0f : (float)(rng.NextDouble() - 0.5) * 0.2f)).ToArray();
                if (word == TestKeywords[c][0]) firstTestKeywordVector[c] = v;
                lines.Add(Line(word, v));
            }
        foreach (var word in "the a my your please help hello thanks team today again still now very urgent issue problem need want".Split(' '))
            lines.Add(Line(word, Enumerable.Range(0, 16).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.5f).ToArray()));
        var path = Path.Combine(Path.GetTempPath(), $"vectors-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, lines);
        return path;
    }
}
