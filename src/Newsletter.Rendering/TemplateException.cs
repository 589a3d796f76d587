namespace Newsletter.Rendering;

/// <summary>
/// A template could not be found, compiled or rendered. The message names the template file,
/// the line where known, and what to do about it.
/// </summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string message, string templatePath, int? line, Exception? innerException = null)
        : base(message, innerException)
    {
        TemplatePath = templatePath;
        Line = line;
    }

    /// <summary>Full path of the template file at fault (the entry template when the failing partial is unknown).</summary>
    public string TemplatePath { get; }

    /// <summary>1-based line in <see cref="TemplatePath"/>, when RazorLight reports one.</summary>
    public int? Line { get; }
}
