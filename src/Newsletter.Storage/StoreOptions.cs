using System.ComponentModel.DataAnnotations;

namespace Newsletter.Storage;

/// <summary>Where the SQLite database lives. Bound from <c>Newsletter:Store</c>.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Newsletter:Store";

    /// <summary>Path of the database file; a relative path is taken from the current directory. The folder is created if missing.</summary>
    [Required]
    public string Path { get; set; } = "data/newsletter.db";
}
