namespace MLNet.DeepText.Models;

/// <summary>
/// The compact transformer family's text models (Hassani et al. 2021). The number is the count of encoder blocks;
/// sizes 2 and 4 have 2 heads, width 128 and MLP ratio 1; size 6 has 4 heads, width 256 and MLP ratio 2.
/// </summary>
public enum CompactTransformerPreset
{
    /// <summary>CCT-2: convolutional tokenizer, sequence pooling, 2 blocks (0.24–0.35M parameters besides the embeddings).</summary>
    Cct2,
    /// <summary>CCT-4: convolutional tokenizer, sequence pooling, 4 blocks.</summary>
    Cct4,
    /// <summary>CCT-6: convolutional tokenizer, sequence pooling, 6 blocks of width 256.</summary>
    Cct6,
    /// <summary>CVT-2: patch tokenizer, sequence pooling, 2 blocks.</summary>
    Cvt2,
    /// <summary>CVT-4: patch tokenizer, sequence pooling, 4 blocks.</summary>
    Cvt4,
    /// <summary>CVT-6: patch tokenizer, sequence pooling, 6 blocks of width 256.</summary>
    Cvt6,
    /// <summary>ViT-Lite-2: patch tokenizer, class token, 2 blocks.</summary>
    VitLite2,
    /// <summary>ViT-Lite-4: patch tokenizer, class token, 4 blocks.</summary>
    VitLite4,
    /// <summary>ViT-Lite-6: patch tokenizer, class token, 6 blocks of width 256.</summary>
    VitLite6,
}

/// <summary>The paper's settings behind each <see cref="CompactTransformerPreset"/>.</summary>
public static class CompactTransformerPresets
{
    /// <summary>Blocks, heads, width and MLP ratio of a preset's size (2, 4 or 6), and its tokenizer and readout.</summary>
    public static (int Layers, int Heads, int Width, double MlpRatio, CompactTokenizerKind Tokenizer, CompactReadout Readout) Settings(CompactTransformerPreset preset)
    {
        var (tokenizer, readout) = preset switch
        {
            CompactTransformerPreset.Cct2 or CompactTransformerPreset.Cct4 or CompactTransformerPreset.Cct6 => (CompactTokenizerKind.Convolution, CompactReadout.SequencePooling),
            CompactTransformerPreset.Cvt2 or CompactTransformerPreset.Cvt4 or CompactTransformerPreset.Cvt6 => (CompactTokenizerKind.Patch, CompactReadout.SequencePooling),
            CompactTransformerPreset.VitLite2 or CompactTransformerPreset.VitLite4 or CompactTransformerPreset.VitLite6 => (CompactTokenizerKind.Patch, CompactReadout.ClassToken),
            _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown compact transformer preset."),
        };
        return preset switch
        {
            CompactTransformerPreset.Cct2 or CompactTransformerPreset.Cvt2 or CompactTransformerPreset.VitLite2 => (2, 2, 128, 1.0, tokenizer, readout),
            CompactTransformerPreset.Cct4 or CompactTransformerPreset.Cvt4 or CompactTransformerPreset.VitLite4 => (4, 2, 128, 1.0, tokenizer, readout),
            _ => (6, 4, 256, 2.0, tokenizer, readout),
        };
    }
}
