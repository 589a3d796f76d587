using System.Globalization;
using System.Text;
using System.Xml;
using Newsletter.Core.Composition;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Web;

/// <summary>
/// The archive as an Atom feed (RFC 4287), written with an <see cref="XmlWriter"/>: the feed's id, title, updated, author and
/// self link, and per issue its id, title, updated (when its first send started), link to <c>/issues/{n}</c> and a summary
/// (the intro and the key takeaways). Links are the stories' own: a feed is read by anyone, so nothing in it is tracked.
/// </summary>
public static class AtomFeed
{
    public const string ContentType = "application/atom+xml; charset=utf-8";

    private const string Atom = "http://www.w3.org/2005/Atom";

    /// <summary>The feed's XML.</summary>
    /// <param name="published">The issues in the archive, newest first.</param>
    public static string Write(string title, string author, PublicUrls urls, IReadOnlyList<IssueArchive.PublishedIssue> published)
    {
        var output = new Utf8StringWriter();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Async = false }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", Atom);
            xml.WriteElementString("id", Atom, urls.Archive.AbsoluteUri);
            xml.WriteElementString("title", Atom, title);
            // An empty archive still needs an updated time: the epoch says "nothing yet" without inventing a date.
            xml.WriteElementString("updated", Atom, Time(published.Count > 0 ? published.Max(p => p.PublishedAt) : DateTimeOffset.UnixEpoch));
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, author);
            xml.WriteEndElement();
            Link(xml, "self", "application/atom+xml", urls.Feed.AbsoluteUri);
            Link(xml, "alternate", "text/html", urls.Archive.AbsoluteUri);

            foreach (var (issue, publishedAt) in published)
            {
                var page = urls.ViewInBrowser(issue.Number).AbsoluteUri;
                xml.WriteStartElement("entry", Atom);
                xml.WriteElementString("id", Atom, page);
                xml.WriteElementString("title", Atom, issue.Subject);
                xml.WriteElementString("published", Atom, Time(publishedAt));
                xml.WriteElementString("updated", Atom, Time(publishedAt));
                Link(xml, "alternate", "text/html", page);
                xml.WriteStartElement("summary", Atom);
                xml.WriteAttributeString("type", "html");
                xml.WriteString(SummaryHtml(issue));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        return output.ToString();
    }

    /// <summary>The intro (title and summary) and the key takeaways, as HTML (escaped into the feed by the writer).</summary>
    private static string SummaryHtml(Issue issue)
    {
        var html = new StringBuilder();
        if (issue.Intro is { } intro)
        {
            html.Append("<p><strong>").Append(Encode(intro.Title)).Append("</strong></p>");
            html.Append(StoryMarkdown.ToHtml(intro.SummaryMarkdown));
        }
        else
        {
            html.Append("<p>").Append(Encode(issue.Preheader)).Append("</p>");
        }
        if (issue.KeyTakeaways.Count > 0)
        {
            html.Append("<p>Key takeaways:</p><ul>");
            foreach (var takeaway in issue.KeyTakeaways)
            {
                html.Append("<li><strong>").Append(Encode(takeaway.StoryTitle)).Append("</strong>: ").Append(Encode(takeaway.Text)).Append("</li>");
            }
            html.Append("</ul>");
        }
        return html.ToString();
    }

    private static void Link(XmlWriter xml, string rel, string type, string href)
    {
        xml.WriteStartElement("link", Atom);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Encode(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter() : base(CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
