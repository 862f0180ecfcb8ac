-- 017_source_curve: an upstream source's CURVE public key (Z85, 40 characters).
--
-- Intake's ZeroMQ front door is a CURVE server: at each handshake its ZAP
-- handler admits exactly the keys of the sources that are not revoked, and the
-- batches of that connection are attributed to the source whose key signed in
-- (jiuyectl source add NAME --curve-public KEY). A key belongs to one source
-- only, so that attribution is never ambiguous; a revoked source keeps its key,
-- which therefore cannot be given to another source.
SET ROLE jiuye_intake;
ALTER TABLE intake.sources
    ADD COLUMN curve_public text COLLATE "C" UNIQUE
        CHECK (curve_public ~ '^[0-9a-zA-Z.:+=^!/*?&<>()\[\]{}@%$#-]{40}$');
RESET ROLE;
