namespace Newsletter.OperatorFiles.Lists;

/// <summary>One inline subscriber under <c>Newsletter:Lists:{name}:Subscribers</c>.</summary>
public sealed class SubscriberOptions
{
    public string? Email { get; set; }

    public string? Name { get; set; }
}
