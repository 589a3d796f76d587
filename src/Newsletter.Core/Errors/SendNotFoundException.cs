namespace Newsletter.Core.Errors;

/// <summary>There is no such send: none of this issue to this list, or none with this id.</summary>
public sealed class SendNotFoundException : NewsletterException
{
    public SendNotFoundException(int issueNumber, string listName)
        : base($"Issue #{issueNumber} has no send to list '{listName}'. `newsletter status {issueNumber}` lists its sends.")
    {
        IssueNumber = issueNumber;
        ListName = listName;
    }

    public SendNotFoundException(long sendId)
        : base($"There is no send {sendId}. The sends page (/sends) and `newsletter status ISSUE` list the sends there are.")
    {
        SendId = sendId;
    }

    public long? SendId { get; }

    public int? IssueNumber { get; }

    public string? ListName { get; }
}
