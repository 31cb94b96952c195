"""Clinical photos: uploads checked by their content and cleaned of metadata (`images`), and
stored per clinic behind one interface, on local disk or in an S3 bucket (`store`).

Nothing is imported here, so `import dorsum.media.store` does not load Pillow and
`import dorsum.media.images` does not load boto3.
"""
