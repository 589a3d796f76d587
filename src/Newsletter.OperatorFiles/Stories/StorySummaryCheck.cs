using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Newsletter.Core.Stories;

namespace Newsletter.OperatorFiles.Stories;

/// <summary>
/// Refuses a summary whose Markdown links anywhere <see cref="StoryLinks"/> does not allow (<c>javascript:</c>, <c>data:</c>,
/// relative paths…), or that holds raw HTML. The renderer would neutralise both, but the editor should hear about it at
/// import, with the line, rather than find a dead link in the sent issue.
/// </summary>
public static class StorySummaryCheck
{
    // HTML parsing stays on (unlike the renderer's pipeline, which shows raw HTML as text) so raw HTML is seen and refused;
    // a summary without raw HTML parses the same way under both pipelines.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAutoLinks().UsePreciseSourceLocation().Build();

    /// <param name="summary">The summary as stored.</param>
    /// <param name="firstLine">The file line (1-based) of the summary's first line.</param>
    /// <exception cref="StoryFileException">The first disallowed link or raw HTML, with its line and the fix.</exception>
    public static void Check(string summary, string path, int firstLine)
    {
        var document = Markdown.Parse(summary, Pipeline);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case HtmlBlock html:
                    throw new StoryFileException(path, firstLine + html.Line,
                        $"raw HTML ({Excerpt(html.Lines.ToString())}) is not allowed in a summary; write Markdown instead (**bold**, [text](https://…)), or escape the '<' as '\\<' to show it as text.");
                case HtmlInline html:
                    throw new StoryFileException(path, firstLine + html.Line,
                        $"raw HTML ({Excerpt(html.Tag)}) is not allowed in a summary; write Markdown instead (**bold**, [text](https://…)), or escape the '<' as '\\<' to show it as text.");
                case LinkInline { IsImage: true } image when !StoryLinks.IsAllowedImage(image.Url):
                    throw new StoryFileException(path, firstLine + image.Line,
                        $"image source '{Excerpt(image.Url)}' is not allowed; an image in a summary must be a full https:// address, e.g. ![chart](https://example.com/chart.png).");
                case LinkInline { IsImage: false } link when !StoryLinks.IsAllowedLink(link.Url):
                    throw new StoryFileException(path, firstLine + link.Line,
                        $"link target '{Excerpt(link.Url)}' is not allowed; a link in a summary must be a full {StoryLinks.AllowedLinkSchemes} address, e.g. [the paper](https://arxiv.org/abs/2604.01234).");
                case AutolinkInline autolink when !StoryLinks.IsAllowedLink(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url):
                    throw new StoryFileException(path, firstLine + autolink.Line,
                        $"link target '{Excerpt(autolink.Url)}' is not allowed; a link in a summary must be a full {StoryLinks.AllowedLinkSchemes} address, e.g. <https://example.com/article>.");
            }
        }
    }

    // Shown in the error as written but on one line and short: the value may be a long data: URL or contain control characters.
    private static string Excerpt(string? text)
    {
        var oneLine = new string((text ?? "").Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return oneLine.Length > 60 ? oneLine[..57] + "..." : oneLine;
    }
}
