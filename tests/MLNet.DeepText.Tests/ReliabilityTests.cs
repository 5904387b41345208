using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Text;

namespace MLNet.DeepText.Tests;

/// <summary>
/// The hostile-user audit kept as regression tests: saving without validation data, texts that could stall
/// tokenization, damaged model files, options changed after the trainer was made, odd text, parallel fits,
/// concurrent scoring and memory over many predictions.
/// </summary>
public class ReliabilityTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Theory]
    [MemberData(nameof(Synthetic.Families), MemberType = typeof(Synthetic))]
    public void Models_trained_without_validation_data_save_and_load(string family)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(64, seed: 3));
        using var model = (IDisposable)Synthetic.TinyFamily(ml, family, o => o.ValidationFraction = 0).Fit(data);
        var classifier = ((IEnumerable<ITransformer>)model).OfType<DeepTextTransformer>().Single();
        Assert.Null(classifier.TrainingSummary!.BestValidationAccuracy);
        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, (ITransformer)model, data.Schema, data);

        using var embedding = ml.Transforms.Text.DeepTextEmbedding(classifier, "Vector").Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(embedding, data.Schema, path);
            using var loaded = (IDisposable)new MLContext().Model.Load(path, out _);
            Assert.Equal(embedding.Transform(data).GetColumn<float[]>("Vector"), ((ITransformer)loaded).Transform(data).GetColumn<float[]>("Vector"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Two_rows_train_save_and_load()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Ticket { Queue = "a", Text = "refund please" }, new Ticket { Queue = "b", Text = "app crashes" } });
        using var model = (IDisposable)Synthetic.TinyFamily(ml, "TransformerEncoder", _ => { }).Fit(data);
        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, (ITransformer)model, data.Schema, data);
    }

    [Fact]
    public void A_million_characters_without_a_space_are_scored_in_well_under_a_second()
    {
        var engine = trained.Engine();
        engine.Predict(new Ticket { Text = "warm up" });
        foreach (var text in new[] { new string('x', 1_000_000), string.Concat(Enumerable.Repeat("数据模型", 250_000)), string.Concat(Enumerable.Repeat("😀", 500_000)) })
        {
            var clock = Stopwatch.StartNew();
            var p = engine.Predict(new Ticket { Text = text });
            clock.Stop();
            Assert.Equal(1.0, p.Score.Sum(), 1e-4);
            // Unbounded tokenization took 3.5 s for 100k characters and minutes for 1M; bounded, it is milliseconds.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{text.Length:N0} characters took {clock.Elapsed.TotalSeconds:F2} s");
        }
    }

    [Theory]
    [InlineData(TruncationPolicy.Head, 256)]
    [InlineData(TruncationPolicy.Tail, 256)]
    [InlineData(TruncationPolicy.HeadAndTail, 256)]
    [InlineData(TruncationPolicy.HeadAndTail, 100_000)]
    public void Long_texts_keep_exactly_the_tokens_whole_text_tokenization_keeps(TruncationPolicy policy, int maxTokens)
    {
        var tokenizer = DeepTextTokenizers.Get(DeepTextTokenizers.Default);
        var encoder = new TextEncoder(DeepTextTokenizers.Default, maxTokens, policy);
        foreach (var text in LongTexts())
        {
            Assert.True(text.Length > TextEncoder.WholeTextChars);
            var expected = encoder.Truncate(tokenizer.EncodeToIds(text));
            Assert.Equal(expected, encoder.Tokenize(text));
        }
    }

    /// <summary>Long texts with what tokenizers split on: spaces, runs of spaces, tabs, line breaks, punctuation, digits, contractions, accents, CJK and emoji.</summary>
    private static IEnumerable<string> LongTexts()
    {
        string[] pieces = ["The", "parcel", "didn't", "arrive", ",", ".", "!", "  ", "\t", "\n", "\r\n", " \n ", "12345", "3.14", "naïve", "café",
            "数据", "😀", "e-mail", "(see", "below)", "O'Neil", "you're", "--", "   \n\n", "ＡＢＣ", "x" + new string('y', 40)];
        var rng = new Random(5);
        for (int t = 0; t < 6; t++)
        {
            var sb = new System.Text.StringBuilder();
            while (sb.Length < 5_000 + t * 4_000)
            {
                sb.Append(pieces[rng.Next(pieces.Length)]);
                if (rng.Next(3) > 0) sb.Append(' ');
            }
            yield return sb.ToString();
        }
    }

    [Fact]
    public void Overlong_rows_do_not_slow_training()
    {
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(60, seed: 4);
        rows.Add(new Ticket { Queue = "billing", Text = new string('z', 1_000_000) });
        rows.Add(new Ticket { Queue = "technical", Text = string.Concat(Enumerable.Repeat("漢字", 500_000)) });
        var clock = Stopwatch.StartNew();
        using var model = (IDisposable)Synthetic.TinyFamily(ml, "TransformerEncoder", _ => { }).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Fit took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void Odd_text_trains_and_scores()
    {
        string?[] odd = [null, "", "   ", "\0\0nul\0", "bad \uD800 surrogate \uDC00 halves", "中文文本没有空格", "🙂🙃😀 emoji only", "\u200B\u200B", new string('!', 5000)];
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(80, seed: 5);
        for (int i = 0; i < odd.Length; i++) rows.Add(new Ticket { Queue = Synthetic.Queues[i % 4], Text = odd[i] });
        using var model = (IDisposable)Synthetic.TinyFamily(ml, "TransformerEncoder", _ => { }).Fit(ml.Data.LoadFromEnumerable(rows));
        var engine = trained.Engine();
        foreach (var text in odd)
        {
            var first = engine.Predict(new Ticket { Text = text }).Score;
            Assert.Equal(1.0, first.Sum(), 1e-4);
            Assert.All(first, p => Assert.True(float.IsFinite(p)));
            Assert.Equal(first, engine.Predict(new Ticket { Text = text }).Score);
        }
    }

    [Fact]
    public void Options_changed_after_the_trainer_was_made_are_validated_at_Fit()
    {
        var ml = new MLContext(seed: 1);
        var options = Synthetic.TinyOptions();
        var trainer = ml.MulticlassClassification.Trainers.TransformerEncoder(options);
        options.BatchSize = 0;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(Synthetic.Keyed(ml, Synthetic.Tickets(40, seed: 1))));
        Assert.Contains("BatchSize", e.Message);
    }

    [Fact]
    public void CompareModels_rejects_one_class_data_before_training()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(50, seed: 1).Select(t => new Ticket { Queue = "billing", Text = t.Text }));
        var e = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.CompareModels(data, "Text", "Queue"));
        Assert.Contains("'Queue' has 1 class", e.Message);
    }

    [Fact]
    public void Parallel_fits_with_one_seed_give_the_scores_of_a_single_fit()
    {
        float[][] Fit()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 6));
            using var model = (IDisposable)Synthetic.TinyFamily(ml, "TransformerEncoder", o => o.MaxEpochs = 2).Fit(data);
            return ((ITransformer)model).Transform(data).GetColumn<float[]>("Score").ToArray();
        }
        var single = Fit();
        var parallel = new float[2][][];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => parallel[i] = Fit());
        Assert.Equal(single, parallel[0]);
        Assert.Equal(single, parallel[1]);
    }

    [Fact]
    public void Eight_threads_scoring_at_once_get_the_serial_scores()
    {
        var texts = Synthetic.Tickets(64, seed: 8).Select(t => t.Text).ToArray();
        var serial = trained.Classifier.PredictProbabilities(texts);
        var results = new float[8][][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = trained.Classifier.PredictProbabilities(texts));
        Assert.All(results, r => Assert.Equal(serial, r));
    }

    [Fact]
    public void A_disposed_model_says_so_and_disposing_twice_is_harmless()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(60, seed: 13));
        var model = (TransformerChain<ITransformer>)Synthetic.TinyFamily(ml, "TransformerEncoder", _ => { }).Fit(data);
        var classifier = model.OfType<DeepTextTransformer>().Single();
        model.Dispose();
        classifier.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => classifier.PredictProbabilities(["refund please"]));
        Assert.Contains("disposed", e.Message);
        Assert.Throws<ObjectDisposedException>(() => model.Transform(data).GetColumn<float[]>("Score").ToArray());
    }

    // ---------- damaged files ----------

    [Theory]
    [InlineData("Weights.bin")]
    [InlineData("Vocabulary.bin")]
    [InlineData("Model.key")]
    public void A_changed_byte_in_any_DeepText_entry_is_caught_and_named(string entry)
    {
        WithSavedModel(path =>
        {
            string damaged = Rewrite(path, entry, bytes => bytes[bytes.Length / 2] ^= 0x10);
            var e = LoadError(path);
            Assert.Contains(path, e.Message);
            Assert.Contains(damaged, e.Message);
        });
    }

    [Fact]
    public void Weights_of_another_model_are_caught_and_named()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(40, seed: 2));
        using var other = (IDisposable)Synthetic.TinyFamily(ml, "Staircase", _ => { }).Fit(data);
        var otherPath = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save((ITransformer)other, data.Schema, otherPath);
            byte[] foreign = ReadEntry(otherPath, "Weights.bin");
            WithSavedModel(path =>
            {
                Rewrite(path, "Weights.bin", _ => { }, replaceWith: foreign);
                var e = LoadError(path);
                Assert.Contains("Weights.bin", e.Message);
            });
        }
        finally { File.Delete(otherPath); }
    }

    [Fact]
    public void Flipped_bytes_anywhere_in_the_file_never_load_silently_with_other_scores()
    {
        var expected = trained.Scores(trained.Model, trained.Test);
        WithSavedModel(path =>
        {
            var original = File.ReadAllBytes(path);
            int silentlyDifferent = 0, rejected = 0;
            for (int k = 1; k <= 24; k++)
            {
                var bytes = (byte[])original.Clone();
                bytes[(int)((long)original.Length * k / 25)] ^= 0x5A;
                File.WriteAllBytes(path, bytes);
                try
                {
                    var loaded = new MLContext().Model.Load(path, out _);
                    if (!trained.Scores(loaded, trained.Test).Zip(expected).All(p => p.First.SequenceEqual(p.Second))) silentlyDifferent++;
                    (loaded as IDisposable)?.Dispose();
                }
                catch (Exception) { rejected++; }
            }
            Assert.Equal(0, silentlyDifferent);
            Assert.True(rejected > 0);
        });
    }

    [Fact]
    public void Truncated_and_empty_files_fail_to_load()
    {
        WithSavedModel(path =>
        {
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _));
            File.WriteAllBytes(path, []);
            Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _));
        });
    }

    /// <summary>Our exception, as ML.NET passes it on: it calls loaders by reflection, so it arrives wrapped in TargetInvocationExceptions.</summary>
    private static InvalidDataException LoadError(string path) =>
        Assert.IsType<InvalidDataException>(Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _)).GetBaseException());

    private void WithSavedModel(Action<string> test)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            trained.ML.Model.Save(trained.Model, trained.Train.Schema, path);
            test(path);
        }
        finally { File.Delete(path); }
    }

    /// <summary>Changes the bytes of the DeepText entry named <paramref name="entryName"/> in a model zip (re-zipped, as a tool would) and returns its full name.</summary>
    private static string Rewrite(string path, string entryName, Action<byte[]> change, byte[]? replaceWith = null)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.Name == entryName && e.FullName.Contains("Transform_001"));
        byte[] bytes;
        using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
        bytes = replaceWith ?? bytes;
        change(bytes);
        string name = entry.FullName;
        entry.Delete();
        using (var s = zip.CreateEntry(name).Open()) s.Write(bytes);
        return name;
    }

    private static byte[] ReadEntry(string path, string entryName)
    {
        using var zip = ZipFile.OpenRead(path);
        using var s = zip.Entries.Single(e => e.Name == entryName).Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    // ---------- memory ----------

    [Fact]
    public void A_hundred_thousand_predictions_keep_memory_flat()
    {
        var engine = trained.Engine();
        var rows = Synthetic.Tickets(1000, seed: 12);
        for (int i = 0; i < 5_000; i++) engine.Predict(rows[i % rows.Count]);   // warm up allocator and caches
        var stats = TorchSharp.DisposeScopeManager.Statistics;
        long liveBefore = stats.ThreadTotalLiveCount;
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = Process.GetCurrentProcess().WorkingSet64;
        for (int i = 0; i < 100_000; i++) engine.Predict(rows[i % rows.Count]);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = Process.GetCurrentProcess().WorkingSet64;
        Assert.Equal(liveBefore, stats.ThreadTotalLiveCount);                // no tensor outlives its prediction
        Assert.True(after < before * 1.05, $"working set grew from {before >> 20} MiB to {after >> 20} MiB over 100,000 predictions");
    }
}
