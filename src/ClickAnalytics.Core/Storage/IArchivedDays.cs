using System;

namespace ClickAnalytics.Storage;

/// <summary>
/// The UTC days whose raw clicks were moved out of the hot store. The processor does not write a
/// click of such a day again (a redelivery of a click that was stored, archived and dropped): it is
/// counted as dropped with the reason <c>archived_day</c>. The archive registers it.
/// </summary>
public interface IArchivedDays
{
    /// <summary>Whether the day's raw clicks were archived and dropped from the hot store.</summary>
    bool IsArchived(DateOnly day);
}
