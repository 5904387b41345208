using AngleSharp.Html.Parser;
using Microsoft.ML;

namespace MLNet.DeepText.Tests;

/// <summary>The comparison's HTML report, parsed as a browser would (the real browser check is eng/report-check.sh).</summary>
public class ReportTests
{
    [Fact]
    public void The_report_has_every_section_a_chart_for_each_picture_and_the_whole_leaderboard()
    {
        var ml = new MLContext(1);
        var result = ml.MulticlassClassification.CompareModels(ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 11)), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [ModelCandidate.SdcaMaximumEntropy(), ModelCandidate.LbfgsMaximumEntropy()], RefitBest = false });
        var path = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.html");
        try
        {
            result.SaveReport(path, "Tickets <&> queues");
            var document = new HtmlParser().ParseDocument(File.ReadAllText(path));
            Assert.Equal("Tickets <&> queues", document.Title);
            Assert.Equal(ComparisonReport.Sections, document.QuerySelectorAll("section").Select(s => s.Id));
            var rows = document.QuerySelectorAll("#leaderboard tbody tr");
            Assert.Equal(result.Leaderboard.Select(r => r.Candidate), rows.Select(r => r.Children[1].TextContent));
            Assert.Contains(ModelComparisonCatalog.EnsembleName, rows.Select(r => r.Children[1].TextContent));
            foreach (var section in new[] { "accuracy-vs-time", "per-class-f1", "confusion-matrix" })
                Assert.Contains("Plotly.newPlot", document.QuerySelector($"#{section}")!.InnerHtml);
            Assert.Contains(Synthetic.Queues[0], document.QuerySelector("#confusion-matrix")!.InnerHtml);   // class names label the axes
            Assert.Equal(result.Leaderboard.Single(r => r.EnsembleWeights is not null).EnsembleWeights!.Count, document.QuerySelectorAll("#ensemble tbody tr").Length);
            // plotly.js is in the page (it opens offline), once.
            Assert.Single(document.Scripts, s => s.TextContent.Contains("plotly.js v"));
        }
        finally { File.Delete(path); }
    }
}
