using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

/// <summary>Behaviour that only a separate process shows: loading with nothing registered, and ending during Fit.</summary>
public class ProcessTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void A_plain_Model_Load_in_a_fresh_process_needs_no_registration_and_gives_identical_scores() =>
        Assert.Equal(trained.Scores(trained.Model, trained.Test), Child.Scores(trained.Model, trained.Train.Schema, trained.TestRows));

    [Theory]
    [MemberData(nameof(Synthetic.Families), MemberType = typeof(Synthetic))]
    public void Every_family_loads_in_a_fresh_process_with_identical_scores_also_for_texts_longer_than_MaxTokens(string family)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(120, seed: 31));
        using var model = (IDisposable)Synthetic.TinyFamily(ml, family, o => o.MaxEpochs = 2).Fit(data);
        var test = Synthetic.Tickets(30, seed: 32);
        test.Add(new Ticket { Queue = "billing", Text = string.Join(' ', Enumerable.Repeat("the refund for my invoice is still missing", 40)) });   // ~320 tokens > MaxTokens 48
        Assert.Equal(Scores(ml, (ITransformer)model, test), Child.Scores((ITransformer)model, data.Schema, test));
    }

    [Fact]
    public void A_custom_tokenizer_must_be_registered_in_the_loading_process_and_then_scores_identically()
    {
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(120, seed: 33);
        var data = ml.Data.LoadFromEnumerable(rows);
        var tokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("cl100k_base");
        using var model = (IDisposable)Synthetic.TinyFamily(ml, "TransformerEncoder", o => { o.Tokenizer = tokenizer; o.TokenizerName = "my-tokenizer"; }).Fit(data);
        var test = rows.Take(20).ToList();
        var unregistered = Assert.ThrowsAny<Exception>(() => Child.Scores((ITransformer)model, data.Schema, test));
        Assert.Contains("DeepTextTokenizers.Register(\"my-tokenizer\"", unregistered.Message);
        Assert.Equal(Scores(ml, (ITransformer)model, test), Child.Scores((ITransformer)model, data.Schema, test, registerTokenizer: "my-tokenizer"));
    }

    private static float[][] Scores(MLContext ml, ITransformer model, IEnumerable<Ticket> rows) =>
        model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();

    [Theory]
    [InlineData("return")]
    [InlineData("exit")]
    public void Ending_the_process_during_Fit_exits_cleanly(string how)
    {
        var (exitCode, stdout, stderr) = Child.Run(TimeSpan.FromMinutes(3), "exit-during-fit", how);
        Assert.Contains("ending the process during Fit", stdout);
        Assert.True(exitCode == 0, $"exit code {exitCode}: {stderr}");
    }
}

/// <summary>Runs tests/MLNet.DeepText.Child (built with the tests; its path is in this assembly's metadata).</summary>
internal static class Child
{
    private static readonly string s_path = typeof(Child).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ChildProcess").Value!;

    public static (int ExitCode, string Stdout, string Stderr) Run(TimeSpan timeout, params string[] args)
    {
        Assert.True(File.Exists(s_path), $"not built: {s_path}");
        var psi = new ProcessStartInfo("dotnet", ["exec", s_path, .. args]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var child = Process.Start(psi)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(timeout))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail($"the child process ({string.Join(' ', args)}) did not end within {timeout}");
        }
        child.WaitForExit();
        return (child.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Saves <paramref name="model"/>, loads it in a child process with a plain <c>Model.Load</c> (after registering the
    /// cl100k_base tokenizer under <paramref name="registerTokenizer"/>, when given) and returns the Score column it gives
    /// <paramref name="rows"/>; the child's error output is the exception's message when it fails.
    /// </summary>
    public static float[][] Scores(ITransformer model, Microsoft.ML.DataViewSchema inputSchema, IEnumerable<Ticket> rows, string? registerTokenizer = null)
    {
        var dir = Directory.CreateTempSubdirectory("deeptext-").FullName;
        try
        {
            var (modelPath, dataPath, outPath) = (Path.Combine(dir, "model.zip"), Path.Combine(dir, "test.tsv"), Path.Combine(dir, "scores.tsv"));
            new Microsoft.ML.MLContext().Model.Save(model, inputSchema, modelPath);
            File.WriteAllLines(dataPath, ["Queue\tText", .. rows.Select(r => $"{r.Queue}\t{r.Text}")]);
            var (exitCode, _, stderr) = Run(TimeSpan.FromMinutes(2), ["load", modelPath, dataPath, outPath, .. registerTokenizer is null ? Array.Empty<string>() : [registerTokenizer]]);
            if (exitCode != 0) throw new InvalidOperationException($"The child process failed (exit code {exitCode}): {stderr}");
            return File.ReadAllLines(outPath).Select(l => l.Split('\t').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
