"""Publishing: approved reports leave Station as a static public site, feeds, podcasts and
social clips (docs/publishing.md). Sits above delivery (it uses the partners' renditions and
loudness tools) and below results (the period review reads its view counts)."""
