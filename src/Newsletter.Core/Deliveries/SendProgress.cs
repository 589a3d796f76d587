namespace Newsletter.Core.Deliveries;

/// <summary>Where one unfinished send stands: its state and how many of its deliveries are in each state.</summary>
public sealed record SendProgress(long SendId, int IssueNumber, string ListName, SendState State, DeliveryCounts Counts);
