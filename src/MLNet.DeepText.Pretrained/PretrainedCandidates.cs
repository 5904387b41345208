using Microsoft.ML;

namespace MLNet.DeepText;

/// <summary>The pretrained encoder's candidates for <c>CompareModels</c> (next to <see cref="ModelCandidate"/>'s).</summary>
public static class PretrainedCandidates
{
    /// <summary>all-MiniLM-L6-v2 fine-tuned with a new head (<see cref="PretrainedTransformerCatalog.PretrainedTransformer(Microsoft.ML.MulticlassClassificationCatalog.MulticlassClassificationTrainers, PretrainedTransformerOptions)"/>).</summary>
    public static ModelCandidate PretrainedTransformer(Action<PretrainedTransformerOptions>? configure = null) =>
        ModelCandidate.DeepText("PretrainedTransformer", configure);

    /// <summary>
    /// Frozen all-MiniLM-L6-v2 sentence embeddings next to <c>FeaturizeText</c>'s n-grams, into <c>SdcaMaximumEntropy</c>:
    /// the pretrained knowledge at the cost of one pass of the encoder over the data.
    /// </summary>
    public static ModelCandidate SentenceEmbeddingSdca() => ModelCandidate.Custom("SentenceEmbedding+FeaturizeText+SdcaMaximumEntropy", c =>
        c.MLContext.Transforms.Text.SentenceEmbedding("__Embedding", c.TextColumnName)
            .Append(c.MLContext.Transforms.Text.FeaturizeText("__NGrams", c.TextColumnName))
            .Append(c.MLContext.Transforms.Concatenate("__Features", "__Embedding", "__NGrams"))
            .AppendCacheCheckpoint(c.MLContext)
            .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "__Features")));
}
