"""Which campaigns a DAM -> Box tick may take: the campaigns in the workflow's source status and type as the DAM's
search lists them (oldest first), or the one named by --campaign; and how the one about to be claimed is confirmed
against its folder (frame.claim_confirmed), so a tick reads one folder however many campaigns wait (issue 26.5).
"""
import logging

log = logging.getLogger(__name__)


def candidates(spec, rt):
    """Campaigns in the source status (all, oldest first), or the one named by --campaign."""
    if rt.args.campaign_id:
        campaign = rt.dam.find_campaign(rt.args.campaign_id)
        if campaign is None:
            log.error("Campaign %s not found in the DAM (give its number, e.g. LC-2026-0042, or its folder id)",
                      rt.args.campaign_id)
            return None
        if campaign.status != spec.status_from:
            log.info("Campaign %s is in status %s, not %s: nothing to do", campaign.campaign_id,
                     campaign.status, spec.status_from)
            return []
        if spec.campaign_type and campaign.type != spec.campaign_type:
            log.info("Campaign %s is of type %r; %s takes only %r campaigns", campaign.campaign_id,
                     campaign.type, spec.label, spec.campaign_type)
            return []
        found = [campaign]
    else:
        found = rt.dam.find_campaigns(spec.status_from, campaign_type=spec.campaign_type)
    for campaign in found:
        if not campaign.campaign_id:
            log.warning("Campaign folder %s has no campaign number; using its folder id", campaign.folder_id)
    return [numbered(campaign) for campaign in found]


def numbered(campaign):
    """A campaign without a number is known by its folder id."""
    return campaign if campaign.campaign_id else campaign._replace(campaign_id=str(campaign.folder_id))


def confirmer(spec, rt):
    """How a search hit is confirmed just before it is claimed (frame.claim_confirmed): its folder is read once
    and must still be in the source status and type, under the same number. None for --campaign: that campaign was
    just read from its folder."""
    if rt.args.campaign_id:
        return None

    def confirm(candidate):
        fresh = rt.dam.confirm_campaign(candidate, spec.status_from, spec.campaign_type)
        if fresh is None:
            return None
        fresh = numbered(fresh)
        if fresh.campaign_id != candidate.campaign_id:
            log.info("Campaign folder %s: the search says number %s, the folder %s (its index lags); skipped",
                     candidate.folder_id, candidate.campaign_id, fresh.campaign_id)
            return None
        return fresh
    return confirm
