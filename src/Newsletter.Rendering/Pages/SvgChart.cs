using System.Globalization;

namespace Newsletter.Rendering.Pages;

/// <summary>
/// The geometry of a bar chart drawn as SVG by a page template. Horizontal positions and widths are percentages of the chart's
/// width and vertical ones pixels, so the chart fills its column at any width (375 px or a desktop) while its text keeps its
/// size: a scaled viewBox would shrink the labels to nothing on a phone.
/// </summary>
public static class SvgChart
{
    /// <summary>One bar of a chart over time: where it starts and how wide it is (percent), its top and height (px).</summary>
    public sealed record Column(string X, string Width, int Y, int Height, string Label);

    /// <summary>One row of a horizontal bar chart: the label line's baseline, and the bar's top and width (percent).</summary>
    public sealed record Row(string Label, int TextY, int BarY, string Width);

    /// <summary>Height in px of the plot area of a chart over time.</summary>
    public const int PlotHeight = 120;

    /// <summary>Columns for counts in time order, scaled so the largest fills <see cref="PlotHeight"/>.</summary>
    /// <param name="label">The tooltip of a column (its time and count).</param>
    public static IReadOnlyList<Column> Columns<T>(IReadOnlyList<T> items, Func<T, long> count, Func<T, string> label)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) return [];
        var max = Math.Max(1, items.Max(count));
        var step = 100.0 / items.Count;
        // A gap between columns while they are wide enough to show one.
        var width = items.Count <= 60 ? step * 0.8 : step;
        return items.Select((item, i) =>
        {
            var height = (int)Math.Round(PlotHeight * (double)count(item) / max);
            if (count(item) > 0) height = Math.Max(height, 2);
            return new Column(Percent(i * step), Percent(width), PlotHeight - height, height, label(item));
        }).ToList();
    }

    /// <summary>Rows of a horizontal bar chart, each a label line then a bar, the largest count filling the width.</summary>
    public static IReadOnlyList<Row> Rows<T>(IReadOnlyList<T> items, Func<T, long> count, Func<T, string> label)
    {
        ArgumentNullException.ThrowIfNull(items);
        var max = Math.Max(1, items.Count == 0 ? 1 : items.Max(count));
        return items.Select((item, i) =>
        {
            var top = i * RowHeight;
            var share = (double)count(item) / max;
            return new Row(label(item), top + 14, top + 20, Percent(count(item) > 0 ? Math.Max(share * 100, 0.5) : 0));
        }).ToList();
    }

    /// <summary>Height in px of one row of a horizontal bar chart: a 13 px label line and a 12 px bar.</summary>
    public const int RowHeight = 40;

    /// <summary>A label cut to <paramref name="length"/> characters with an ellipsis, so it fits a phone's width in one line.</summary>
    public static string Shorten(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= length ? text : text[..(length - 1)].TrimEnd() + "…";
    }

    private static string Percent(double value) => value.ToString("0.###", CultureInfo.InvariantCulture) + "%";
}
