namespace Newsletter.Core.Lists;

/// <summary>
/// The display names of the configured lists, for a send that carries only its list's name (<see cref="ListIdentity"/>).
/// The operator's list files implement it.
/// </summary>
public interface IListDisplayNames
{
    /// <summary>The display name for List-Id and the footer; the list's key if it has left the config since the send began.</summary>
    string DisplayNameOf(string listName);
}
